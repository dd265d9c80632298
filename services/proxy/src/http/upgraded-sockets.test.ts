import { createLogger } from '@gatehouse/shared';
import type { AuthPrincipal } from '../domain/principal.js';
import { UpgradedSockets } from './upgraded-sockets.js';

const logger = createLogger({ service: 'test', level: 'silent' });
const principal = (sub: string, sid: string): AuthPrincipal => ({
  identity: { sub, sid, roles: [], groups: [], scopes: [], amr: [], auth_method: 'bearer' },
  expiresAtMs: 0,
  issuedAtMs: 0,
  issuedAtPrecisionMs: 1000,
});

describe('UpgradedSockets', () => {
  it('closes only the connections a revocation matches, once, and forgets them', () => {
    const sockets = new UpgradedSockets(() => Promise.resolve(null), 60_000, logger);
    const closed: string[] = [];
    sockets.add(principal('u1', 's1'), (why) => closed.push(`a:${why}`));
    sockets.add(principal('u1', 's2'), (why) => closed.push(`b:${why}`));
    sockets.add(principal('u2', 's3'), (why) => closed.push(`c:${why}`));
    expect(sockets.closeMatching((p) => p.identity.sub === 'u1')).toBe(2);
    expect(sockets.closeMatching((p) => p.identity.sub === 'u1')).toBe(0);
    expect(closed).toEqual(['a:credential revoked', 'b:credential revoked']);
    expect(sockets.size).toBe(1);
    sockets.stop();
  });

  it('does not close a connection that ended by itself', () => {
    const sockets = new UpgradedSockets(() => Promise.resolve(null), 60_000, logger);
    let closed = 0;
    const untrack = sockets.add(principal('u1', 's1'), () => closed++);
    untrack();
    expect(sockets.closeMatching(() => true)).toBe(0);
    expect([closed, sockets.size]).toEqual([0, 0]);
  });

  it('a sweep closes what the revocation check refuses, and fails closed when it cannot tell', async () => {
    const verdicts: Record<string, string | null | Error> = { s1: null, s2: 'session revoked', s3: new Error('store down') };
    const check = (p: AuthPrincipal) => {
      const v = verdicts[p.identity.sid!];
      return v instanceof Error ? Promise.reject(v) : Promise.resolve(v ?? null);
    };
    const sockets = new UpgradedSockets(check, 60_000, logger);
    const closed: string[] = [];
    for (const sid of ['s1', 's2', 's3']) sockets.add(principal('u', sid), (why) => closed.push(`${sid}:${why}`));
    await sockets.sweep();
    expect(closed).toEqual(['s2:session revoked', 's3:revocation unknown: store down']);
    expect(sockets.size).toBe(1);
    sockets.stop();
  });
});
