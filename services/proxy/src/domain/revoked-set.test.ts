import { RevokedSet } from './revoked-set.js';
import type { AuthPrincipal } from './principal.js';

const principal = (issuedAtMs: number, issuedAtPrecisionMs: number, extra: Partial<AuthPrincipal['identity']> = {}): AuthPrincipal => ({
  identity: { sub: 'u1', roles: [], groups: [], scopes: [], amr: [], auth_method: 'bearer', ...extra },
  expiresAtMs: issuedAtMs + 900_000,
  issuedAtMs,
  issuedAtPrecisionMs,
});

describe('RevokedSet API-key revocation', () => {
  const now = Date.UTC(2026, 0, 1, 12);
  const minted = (id: string, generation: number): AuthPrincipal => ({
    ...principal(now - 1000, 1000, { amr: ['apikey'] }),
    apiKey: { id, generation },
  });

  it('refuses tokens minted from the revoked generation or an earlier one, and accepts a later one (a refreshed key)', () => {
    const set = new RevokedSet();
    set.addApiKey('k1', 2, now + 600_000);
    expect(set.reason(minted('k1', 1), now)).toBe('api key revoked');
    expect(set.reason(minted('k1', 2), now)).toBe('api key revoked');
    expect(set.reason(minted('k1', 3), now)).toBeNull();
    expect(set.reason(minted('k2', 1), now)).toBeNull();
  });

  it('refuses every generation of a deleted key, keeps the highest revoked generation, and forgets it once expired', () => {
    const set = new RevokedSet();
    set.addApiKey('k1', Number.POSITIVE_INFINITY, now + 600_000);
    set.addApiKey('k1', 1, now + 1000);
    expect(set.reason(minted('k1', 99), now)).toBe('api key revoked');
    expect(set.reason(minted('k1', 99), now + 600_001)).toBeNull();
    set.prune(now + 600_001);
    expect(set.size).toBe(0);
  });

  it('leaves tokens that were not minted from a key alone', () => {
    const set = new RevokedSet();
    set.addApiKey('k1', Number.POSITIVE_INFINITY, now + 600_000);
    expect(set.reason(principal(now - 1000, 1000, { token_id: 'k1' }), now)).toBeNull();
  });
});

describe('RevokedSet user-wide revocation', () => {
  const revokedAt = Date.UTC(2026, 0, 1, 12, 0, 0, 400); // 12:00:00.400
  const now = revokedAt + 1000;
  const set = new RevokedSet();
  set.addUser('u1', revokedAt, revokedAt + 900_000);

  it('refuses a token issued in an earlier second than the revocation', () => {
    expect(set.reason(principal(revokedAt - 1400, 1000), now)).toBe('user revoked');
  });

  it('accepts a JWT issued later in the very second of the revocation (iat has whole seconds): the login right after a password change', () => {
    // Minted at 12:00:00.900, so iat = 12:00:00; refusing it would lock the user out for the token's lifetime.
    expect(set.reason(principal(revokedAt - 400, 1000), now)).toBeNull();
  });

  it('compares a looked-up credential (app token, Basic, session) at millisecond precision', () => {
    expect(set.reason(principal(revokedAt - 1, 1, { auth_method: 'app' }), now)).toBe('user revoked');
    expect(set.reason(principal(revokedAt + 1, 1, { auth_method: 'app' }), now)).toBeNull();
  });

  it('forgets the revocation once it expired', () => {
    expect(set.reason(principal(revokedAt - 5000, 1000), revokedAt + 900_001)).toBeNull();
  });
});
