import { MemoryStore } from '@gatehouse/shared';
import { FakeClock } from '@gatehouse/shared/testing';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  const start = Date.UTC(2026, 0, 1, 12, 0, 0);

  it('allows `limit` calls per key and window, then REQUESTS_EXCEEDED with the seconds left in the window', async () => {
    const clock = new FakeClock(start + 15_000);
    const limiter = new RateLimiter(new MemoryStore(clock), clock, 't', { limit: 3, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) await limiter.hit('10.0.0.1');
    await expect(limiter.hit('10.0.0.1')).rejects.toMatchObject({ code: 'REQUESTS_EXCEEDED', retryAfter: 45 });
    await expect(limiter.hit('10.0.0.2')).resolves.toBeUndefined();
  });

  it('gives a new budget in the next window', async () => {
    const clock = new FakeClock(start);
    const limiter = new RateLimiter(new MemoryStore(clock), clock, 't', { limit: 1, windowMs: 60_000 });
    await limiter.hit('k');
    await expect(limiter.hit('k')).rejects.toMatchObject({ code: 'REQUESTS_EXCEEDED' });
    clock.advance(60_000);
    await expect(limiter.hit('k')).resolves.toBeUndefined();
  });
});
