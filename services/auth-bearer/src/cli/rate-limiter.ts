import type { Clock } from '@gatehouse/shared/clock';
import { GatehouseError } from '@gatehouse/shared/errors';
import type { KeyValueStore } from '@gatehouse/shared/store';

export interface RateLimit {
  /** Calls allowed per window and key. */
  limit: number;
  windowMs: number;
}

/**
 * A fixed-window counter per key in the shared store (every instance counts together): the
 * call past `limit` in a window is REQUESTS_EXCEEDED with Retry-After until the window ends. At a
 * window's edge a client can make up to twice the limit in a short time; for a budget meant to stop
 * code guessing and floods rather than to shape traffic that is enough, and it costs one INCR.
 */
export class RateLimiter {
  constructor(
    private readonly store: KeyValueStore,
    private readonly clock: Clock,
    private readonly prefix: string,
    private readonly rule: RateLimit,
  ) {}

  async hit(key: string): Promise<void> {
    const now = this.clock.now();
    const window = Math.floor(now / this.rule.windowMs);
    const n = await this.store.incr(`${this.prefix}:${window}:${key}`, this.rule.windowMs + 1000);
    if (n > this.rule.limit) {
      const retryAfter = Math.max(1, Math.ceil(((window + 1) * this.rule.windowMs - now) / 1000));
      throw new GatehouseError('REQUESTS_EXCEEDED', { retryAfter, detail: `${this.prefix}: ${key} made ${n} calls this window` });
    }
  }
}
