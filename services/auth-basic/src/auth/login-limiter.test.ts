import { pino } from 'pino';
import { GatehouseError, MemoryStore, type KeyValueStore } from '@gatehouse/shared';
import { FakeClock } from '@gatehouse/shared/testing';
import { BoundedFailureCounters } from '../store/bounded-failure-counters.js';
import { StoreFailureCounters } from '../store/failure-counters.js';
import { LoginLimiter } from './login-limiter.js';
import { codeOf } from '@gatehouse/shared/testing';

/** A store whose every call fails as an unreachable Redis does. */
const downStore = new Proxy({} as KeyValueStore, {
  get: (_t, prop) =>
    prop === 'kind' ? 'redis' : () => Promise.reject(new GatehouseError('SERVICE_UNAVAILABLE', { detail: 'redis down' })),
});

const opts = { windowMs: 900_000, accountFree: 2, ipFree: 100, baseDelayMs: 5_000, maxDelayMs: 60_000, leaseMs: 30_000 };

const fail = async (limiter: LoginLimiter, email: string, ip: string) => (await limiter.begin(email, ip)).failed();

/** Starts `n` attempts at once and keeps those the limiter let through (still in flight). */
async function burst(limiter: LoginLimiter, n: number, email: string, ip: (i: number) => string) {
  const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => limiter.begin(email, ip(i))));
  const through = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const refused = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as GatehouseError).code] : []));
  return { through, refused };
}

describe('LoginLimiter with its store down', () => {
  it('keeps delaying an account on the local fallback', async () => {
    const clock = new FakeClock();
    const limiter = new LoginLimiter(
      new StoreFailureCounters(downStore, clock),
      new BoundedFailureCounters(clock, 100),
      clock,
      opts,
      pino({ level: 'silent' }),
    );
    for (let i = 0; i < 3; i++) await fail(limiter, 'v@example.com', '10.0.0.1');
    expect(await codeOf(limiter.begin('v@example.com', '10.0.0.2'))).toBe('REQUESTS_EXCEEDED');
    clock.advance(5_000);
    expect(await codeOf(limiter.begin('v@example.com', '10.0.0.2'))).toBe('OK');
  });

  it('answers REQUESTS_EXCEEDED with Retry-After to new subjects while the full fallback table is all in delays', async () => {
    const clock = new FakeClock();
    // Room for one login's two subjects (account + IP).
    const limiter = new LoginLimiter(
      new StoreFailureCounters(downStore, clock),
      new BoundedFailureCounters(clock, 2),
      clock,
      { ...opts, ipFree: 2 },
      pino({ level: 'silent' }),
    );
    for (let i = 0; i < 3; i++) await fail(limiter, 'a@example.com', '10.0.0.1');
    let err: unknown;
    try {
      await limiter.begin('someone-else@example.com', '10.0.0.9');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GatehouseError);
    expect((err as GatehouseError).code).toBe('REQUESTS_EXCEEDED');
    expect((err as GatehouseError).retryAfter).toBe(5);
    clock.advance(5_000);
    expect(await codeOf(limiter.begin('someone-else@example.com', '10.0.0.9'))).toBe('OK');
  });

  it('attack: a burst of concurrent wrong passwords on one account gets no more than the free attempts before the delay (fallback)', async () => {
    const clock = new FakeClock();
    const limiter = new LoginLimiter(
      new StoreFailureCounters(downStore, clock),
      new BoundedFailureCounters(clock, 1_000),
      clock,
      { ...opts, accountFree: 3 },
      pino({ level: 'silent' }),
    );
    const first = await burst(limiter, 30, 'v@example.com', (i) => `10.1.0.${i}`);
    expect(first.through).toHaveLength(3);
    expect(first.refused).toEqual(Array(27).fill('REQUESTS_EXCEEDED'));
    await Promise.all(first.through.map((a) => a.failed()));
    // The 4th failure (the one that starts the delay) runs alone; then the account waits.
    const second = await burst(limiter, 30, 'v@example.com', (i) => `10.2.0.${i}`);
    expect(second.through).toHaveLength(1);
    await second.through[0]!.failed();
    expect((await burst(limiter, 30, 'v@example.com', (i) => `10.3.0.${i}`)).through).toHaveLength(0);
    clock.advance(5_000);
    expect((await burst(limiter, 30, 'v@example.com', (i) => `10.4.0.${i}`)).through).toHaveLength(1);
  });
});

describe('LoginLimiter on its store', () => {
  it('uses the store, not the fallback, while the store answers', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore(clock);
    const fallback = new BoundedFailureCounters(clock, 100);
    const limiter = new LoginLimiter(new StoreFailureCounters(store, clock), fallback, clock, opts, pino({ level: 'silent' }));
    for (let i = 0; i < 3; i++) await fail(limiter, 's@example.com', '10.0.0.1');
    expect(fallback.size).toBe(0);
    expect(JSON.parse((await store.get(`basic:lim:ip:10.0.0.1`))!)).toMatchObject({ f: 3, l: {} });
    expect(await codeOf(limiter.begin('s@example.com', '10.0.0.1'))).toBe('REQUESTS_EXCEEDED');
    await limiter.resetAccount('s@example.com');
    expect(await codeOf(limiter.begin('s@example.com', '10.0.0.1'))).toBe('OK');
    await store.close();
  });

  it('attack: wrong passwords from ever new addresses of one IPv6 /64 are counted against that one /64', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore(clock);
    const limiter = new LoginLimiter(
      new StoreFailureCounters(store, clock),
      new BoundedFailureCounters(clock, 100),
      clock,
      { ...opts, accountFree: 1000, ipFree: 3 },
      pino({ level: 'silent' }),
    );
    for (let i = 1; i <= 4; i++) await fail(limiter, `u${i}@example.com`, `2001:db8:7:7::${i.toString(16)}`);
    expect(JSON.parse((await store.get('basic:lim:ip:2001:db8:7:7::/64'))!)).toMatchObject({ f: 4 });
    expect(await codeOf(limiter.begin('fresh@example.com', '2001:db8:7:7:dead:beef:0:1'))).toBe('REQUESTS_EXCEEDED');
    // Another /64 is another subject.
    expect(await codeOf(limiter.begin('fresh@example.com', '2001:db8:7:8::1'))).toBe('OK');
    await store.close();
  });

  it('releasing an attempt (no verdict) frees its place without counting a failure', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore(clock);
    const limiter = new LoginLimiter(
      new StoreFailureCounters(store, clock),
      new BoundedFailureCounters(clock, 100),
      clock,
      { ...opts, accountFree: 1 },
      pino({ level: 'silent' }),
    );
    const a = await limiter.begin('r@example.com', '10.0.0.1');
    // accountFree 1: a second attempt may not run beside the first.
    expect(await codeOf(limiter.begin('r@example.com', '10.0.0.2'))).toBe('REQUESTS_EXCEEDED');
    await a.released();
    await a.failed(); // no-op: an attempt ends once
    expect(await store.get('basic:lim:acct:' + (await import('@gatehouse/shared')).sha256('r@example.com'))).toBeNull();
    for (let i = 0; i < 2; i++) await fail(limiter, 'r@example.com', '10.0.0.3');
    expect(await codeOf(limiter.begin('r@example.com', '10.0.0.4'))).toBe('REQUESTS_EXCEEDED');
    await store.close();
  });

  it('a success clears the account but keeps the attempts still in flight counted', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore(clock);
    const limiter = new LoginLimiter(
      new StoreFailureCounters(store, clock),
      new BoundedFailureCounters(clock, 100),
      clock,
      { ...opts, accountFree: 2 },
      pino({ level: 'silent' }),
    );
    const { through } = await burst(limiter, 5, 'c@example.com', (i) => `10.0.1.${i}`);
    expect(through).toHaveLength(2);
    await through[0]!.succeeded();
    // One attempt still in flight: one more may join it, a third may not (the success did not forget them).
    const joined = await limiter.begin('c@example.com', '10.0.2.1');
    expect(await codeOf(limiter.begin('c@example.com', '10.0.2.2'))).toBe('REQUESTS_EXCEEDED');
    await through[1]!.failed();
    await joined.failed();
    // Two failures since the success: the third (alone) may still run.
    expect(await codeOf(limiter.begin('c@example.com', '10.0.2.3'))).toBe('OK');
    await store.close();
  });
});
