import { createLogger, MemoryBus, MemoryStore, REVOCATION_KEYS, SUBJECTS, publishEvent } from '@gatehouse/shared';
import { FakeClock } from '@gatehouse/shared/testing';
import type { AuthPrincipal } from '../domain/principal.js';
import { Revocation } from './revocation.js';

/** A memory bus whose connection state the test sets (NATS's disconnectedSince, by hand). */
class SwitchableBus extends MemoryBus {
  down: number | null = null;
  private readonly onUp = new Set<() => void>();
  private readonly onDown = new Set<() => void>();
  override disconnectedSince(): number | null {
    return this.down;
  }
  override onReconnect(h: () => void): () => void {
    this.onUp.add(h);
    return () => this.onUp.delete(h);
  }
  override onDisconnect(h: () => void): () => void {
    this.onDown.add(h);
    return () => this.onDown.delete(h);
  }
  disconnect(at: number): void {
    this.down = at;
    for (const h of this.onDown) h();
  }
  reconnect(): void {
    this.down = null;
    for (const h of this.onUp) h();
  }
}

const principal = (sid: string, sub = 'u-1', tokenId?: string): AuthPrincipal => ({
  identity: { sub, sid, roles: [], groups: [], scopes: [], amr: [], auth_method: 'bearer', ...(tokenId ? { token_id: tokenId } : {}) },
  expiresAtMs: 0,
  issuedAtMs: 0,
  issuedAtPrecisionMs: 1000,
});

function setup() {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const store = new MemoryStore(clock);
  const bus = new SwitchableBus();
  const warnings: string[] = [];
  const logger = createLogger({ service: 'proxy-test', level: 'silent' });
  logger.warn = ((_o: unknown, msg: string) => void warnings.push(msg)) as typeof logger.warn;
  const evicted: Array<(p: AuthPrincipal) => boolean> = [];
  const revocation = new Revocation({
    store,
    bus,
    clock,
    logger,
    maxStalenessMs: 5_000,
    storeCacheTtlMs: 0,
    ttlMs: 900_000,
    onRevoked: (m) => void evicted.push(m),
    onKeysRotated: () => undefined,
  });
  return { clock, store, bus, warnings, evicted, revocation };
}

describe('the proxy revocation state', () => {
  it('applies a session revocation from the bus and evicts cached successes of that session', async () => {
    const t = setup();
    await t.revocation.start();
    await publishEvent(t.bus, t.clock, SUBJECTS.revokedSession, { sid: 's-1', user_id: 'u-1', exp: t.clock.now() + 60_000 });
    await t.bus.flush();
    expect(await t.revocation.check(principal('s-1'))).toBe('session revoked');
    expect(await t.revocation.check(principal('s-2'))).toBeNull();
    expect(t.evicted.some((m) => m(principal('s-1')))).toBe(true);
    t.revocation.stop();
  });

  it('revokes app tokens by token_id, and drops an event naming key_id (no event declares it)', async () => {
    const t = setup();
    await t.revocation.start();
    const exp = t.clock.now() + 60_000;
    t.revocation.apply(SUBJECTS.revokedAppToken, { id: 'e-1', at: t.clock.now(), key_id: 't-1', user_id: 'u-1', exp });
    expect(await t.revocation.check(principal('', 'u-1', 't-1'))).toBeNull();
    expect(t.warnings).toEqual(['ignoring an event outside the contract']);
    t.revocation.apply(SUBJECTS.revokedAppToken, { id: 'e-2', at: t.clock.now(), token_id: 't-1', user_id: 'u-1', exp });
    expect(await t.revocation.check(principal('', 'u-1', 't-1'))).toBe('credential revoked');
    t.revocation.stop();
  });

  it("revokes the tokens minted from an API key up to the event's generation, and every generation without one", async () => {
    const t = setup();
    await t.revocation.start();
    const exp = t.clock.now() + 60_000;
    const minted = (id: string, generation: number): AuthPrincipal => ({ ...principal('', 'u-1'), apiKey: { id, generation } });
    await publishEvent(t.bus, t.clock, SUBJECTS.revokedApiKey, { token_id: 'k-1', user_id: 'u-1', exp, generation: 1 });
    await t.bus.flush();
    expect(await t.revocation.check(minted('k-1', 1))).toBe('api key revoked');
    expect(await t.revocation.check(minted('k-1', 2))).toBeNull();
    expect(t.evicted.some((m) => m(minted('k-1', 1))) && !t.evicted.some((m) => m(minted('k-1', 2)))).toBe(true);
    await publishEvent(t.bus, t.clock, SUBJECTS.revokedApiKey, { token_id: 'k-1', user_id: 'u-1', exp });
    await t.bus.flush();
    expect(await t.revocation.check(minted('k-1', 2))).toBe('api key revoked');
    t.revocation.stop();
  });

  it('revokes a session-less access token by jti (RFC 7009), and nothing else', async () => {
    const t = setup();
    await t.revocation.start();
    const withJti = (jti: string): AuthPrincipal => ({ ...principal('', 'u-1'), jti });
    await publishEvent(t.bus, t.clock, SUBJECTS.revokedAccessToken, { token_id: 'j-1', user_id: 'u-1', exp: t.clock.now() + 60_000 });
    await t.bus.flush();
    expect(await t.revocation.check(withJti('j-1'))).toBe('access token revoked');
    expect(await t.revocation.check(withJti('j-2'))).toBeNull();
    expect(t.evicted.some((m) => m(withJti('j-1'))) && !t.evicted.some((m) => m(withJti('j-2')))).toBe(true);
    t.revocation.stop();
  });

  it('drops cached looked-up credentials (cookie, password, app token) of a changed user, not its bearer tokens', async () => {
    const t = setup();
    await t.revocation.start();
    const as = (method: string, sub: string): AuthPrincipal => ({
      ...principal('', sub),
      identity: { ...principal('', sub).identity, auth_method: method },
    });
    await publishEvent(t.bus, t.clock, SUBJECTS.userChanged, { user_id: 'u-7', reason: 'updated' });
    await t.bus.flush();
    const drop = (p: AuthPrincipal) => t.evicted.some((m) => m(p));
    expect([drop(as('session', 'u-7')), drop(as('basic', 'u-7')), drop(as('app', 'u-7'))]).toEqual([true, true, true]);
    expect([drop(as('bearer', 'u-7')), drop(as('session', 'u-8'))]).toEqual([false, false]);
    t.revocation.stop();
  });

  it('measures the bus outage on the injected clock: memory state within the bound, the store after it', async () => {
    const t = setup();
    await t.revocation.start();
    t.bus.down = t.clock.now();
    // Revoked in the store only (the event was lost while the bus was down).
    await t.store.zAdd(REVOCATION_KEYS.sessions, 's-9', t.clock.now() + 60_000);
    t.clock.advance(5_000);
    expect(await t.revocation.check(principal('s-9'))).toBeNull();
    t.clock.advance(1);
    expect(await t.revocation.check(principal('s-9'))).toBe('session revoked');
    t.revocation.stop();
  });

  it('keeps asking the store after the bus reconnects until the reload has finished (no window that misses the outage revocations)', async () => {
    const t = setup();
    await t.revocation.start();
    t.bus.disconnect(t.clock.now());
    await t.store.zAdd(REVOCATION_KEYS.sessions, 's-7', t.clock.now() + 60_000);
    t.clock.advance(6_000);
    // The reload after the reconnect (its first store read) waits; meanwhile the set still lacks s-7.
    let release!: () => void;
    const read = t.store.zRangeByScore.bind(t.store);
    const held = new Promise<void>((r) => (release = r));
    let calls = 0;
    t.store.zRangeByScore = async (...a) => {
      if (calls++ === 0) await held;
      return read(...a);
    };
    t.bus.reconnect();
    expect(await t.revocation.check(principal('s-7'))).toBe('session revoked');
    t.store.zRangeByScore = read;
    release();
    await new Promise((r) => setTimeout(r, 10));
    // Reloaded: the set has s-7, and the store is no longer asked per request.
    expect(await t.revocation.check(principal('s-7'))).toBe('session revoked');
    t.store.zRangeByScore = () => Promise.reject(new Error('store should not be asked now'));
    expect(await t.revocation.check(principal('s-8'))).toBeNull();
    t.revocation.stop();
  });
});
