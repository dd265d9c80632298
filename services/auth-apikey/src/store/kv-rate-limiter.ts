import type { Clock, KeyValueStore } from '@gatehouse/shared';
import type { RateLimiter } from '../domain/ports.js';

/**
 * Fixed-window counters (`apikey:rate:<bucket>:<window>`, INCR with the window as TTL): one atomic
 * store call per hit, shared by every instance. A burst at a window's edge can reach twice the limit
 * over two windows; the limits are about abuse, not billing.
 */
export class KvRateLimiter implements RateLimiter {
  constructor(
    private readonly store: KeyValueStore,
    private readonly clock: Clock,
    private readonly windowMs: number,
  ) {}

  async hit(bucket: string, limit: number): Promise<number> {
    const now = this.clock.now();
    const window = Math.floor(now / this.windowMs);
    const count = await this.store.incr(`apikey:rate:${bucket}:${window}`, this.windowMs);
    if (count <= limit) return 0;
    return Math.max(1, Math.ceil(((window + 1) * this.windowMs - now) / 1000));
  }
}
