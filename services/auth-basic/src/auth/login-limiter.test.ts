import { pino } from 'pino';
import { GatehouseError, MemoryStore, type KeyValueStore } from '@gatehouse/shared';
import { FakeClock } from '@gatehouse/shared/testing';
import { BoundedFailureCounters } from '../store/bounded-failure-counters.js';
import { StoreFailureCounters } from '../store/failure-counters.js';
import { LoginLimiter } from './login-limiter.js';

/** A store whose every call fails as an unreachable Redis does. */
const downStore = new Proxy({} as KeyValueStore, {
  get: (_t, prop) => (prop === 'kind' ? 'redis' : () => Promise.reject(new GatehouseError('SERVICE_UNAVAILABLE', { detail: 'redis down' }))),
});

const opts = { windowMs: 900_000, accountFree: 2, ipFree: 100, baseDelayMs: 5_000, maxDelayMs: 60_000 };

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'OK';
  } catch (err) {
    return (err as GatehouseError).code;
  }
};

describe('LoginLimiter with its store down', () => {
  it('keeps delaying an account on the local fallback', async () => {
    const clock = new FakeClock();
    const limiter = new LoginLimiter(new StoreFailureCounters(downStore, clock), new BoundedFailureCounters(clock, 100), clock, opts, pino({ level: 'silent' }));
    for (let i = 0; i < 3; i++) await limiter.recordFailure('v@example.com', '10.0.0.1');
    expect(await codeOf(limiter.check('v@example.com', '10.0.0.2'))).toBe('REQUESTS_EXCEEDED');
    clock.advance(5_000);
    expect(await codeOf(limiter.check('v@example.com', '10.0.0.2'))).toBe('OK');
  });

  it('answers REQUESTS_EXCEEDED with Retry-After to new subjects while the full fallback table is all in delays', async () => {
    const clock = new FakeClock();
    // Room for one login's two subjects (account + IP).
    const limiter = new LoginLimiter(new StoreFailureCounters(downStore, clock), new BoundedFailureCounters(clock, 2), clock, { ...opts, ipFree: 2 }, pino({ level: 'silent' }));
    for (let i = 0; i < 3; i++) await limiter.recordFailure('a@example.com', '10.0.0.1');
    let err: unknown;
    try {
      await limiter.check('someone-else@example.com', '10.0.0.9');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GatehouseError);
    expect((err as GatehouseError).code).toBe('REQUESTS_EXCEEDED');
    expect((err as GatehouseError).retryAfter).toBe(5);
    clock.advance(5_000);
    expect(await codeOf(limiter.check('someone-else@example.com', '10.0.0.9'))).toBe('OK');
  });

  it('uses the store, not the fallback, while the store answers', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore(clock);
    const fallback = new BoundedFailureCounters(clock, 100);
    const limiter = new LoginLimiter(new StoreFailureCounters(store, clock), fallback, clock, opts, pino({ level: 'silent' }));
    for (let i = 0; i < 3; i++) await limiter.recordFailure('s@example.com', '10.0.0.1');
    expect(fallback.size).toBe(0);
    expect(await store.get(`basic:fail:ip:10.0.0.1`)).toBe('3');
    expect(await codeOf(limiter.check('s@example.com', '10.0.0.1'))).toBe('REQUESTS_EXCEEDED');
    await limiter.resetAccount('s@example.com');
    expect(await codeOf(limiter.check('s@example.com', '10.0.0.1'))).toBe('OK');
    await store.close();
  });
});
