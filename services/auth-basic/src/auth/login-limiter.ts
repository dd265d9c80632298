import { GatehouseError, isGatehouseError, sha256, type Clock, type Logger } from '@gatehouse/shared';
import { failureDelayMs } from '../domain/backoff.js';
import type { FailureCounters } from '../store/failure-counters.js';

export interface LoginLimiterOptions {
  windowMs: number;
  accountFree: number;
  ipFree: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

type Kind = 'acct' | 'ip';

/**
 * Brute-force brake: failure counters per account and per IP (in the store, shared by every
 * instance), each with a growing delay once its free attempts are spent. Never a permanent
 * lockout: the delay ends, and a successful login or a password reset clears the account's count.
 * When the store is down, the same rules run on a local, bounded table (BoundedFailureCounters:
 * LOGIN_FALLBACK_MAX_ENTRIES), which fails closed when full: never "unlimited".
 */
export class LoginLimiter {
  private lastWarn = 0;

  constructor(
    private readonly primary: FailureCounters,
    private readonly fallback: FailureCounters,
    private readonly clock: Clock,
    private readonly opts: LoginLimiterOptions,
    private readonly logger: Logger,
  ) {}

  private subjects(email: string, ip: string): Array<{ kind: Kind; key: string }> {
    return [
      { kind: 'acct', key: `acct:${sha256(email)}` },
      { kind: 'ip', key: `ip:${(ip || 'unknown').slice(0, 64)}` },
    ];
  }

  private async withCounters<T>(fn: (c: FailureCounters) => Promise<T>): Promise<T> {
    try {
      return await fn(this.primary);
    } catch (err) {
      if (!isGatehouseError(err) || err.code !== 'SERVICE_UNAVAILABLE') throw err;
      if (this.clock.now() - this.lastWarn > 10_000) {
        this.lastWarn = this.clock.now();
        this.logger.warn({ detail: err.detail }, 'login limiter store unavailable: using the local fallback limiter');
      }
      return fn(this.fallback);
    }
  }

  /** REQUESTS_EXCEEDED (with Retry-After) while the account or the IP is in its delay. */
  async check(email: string, ip: string): Promise<void> {
    const now = this.clock.now();
    const ends = await this.withCounters((c) => c.delayEnds(this.subjects(email, ip).map((s) => s.key)));
    const waitMs = Math.max(0, ...ends.map((end) => end - now));
    if (waitMs > 0) {
      throw new GatehouseError('REQUESTS_EXCEEDED', { message: 'Too many failed login attempts; try again later.', retryAfter: Math.ceil(waitMs / 1000), detail: `login delay ${waitMs} ms` });
    }
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    await this.withCounters(async (c) => {
      for (const s of this.subjects(email, ip)) {
        const free = s.kind === 'acct' ? this.opts.accountFree : this.opts.ipFree;
        await c.recordFailure(s.key, this.opts.windowMs, (n) => failureDelayMs(n, { free, baseMs: this.opts.baseDelayMs, maxMs: this.opts.maxDelayMs }));
      }
    });
  }

  /** Clears the account's failures (successful login, password reset). The IP's count stays. */
  async resetAccount(email: string): Promise<void> {
    await this.withCounters((c) => c.clear(`acct:${sha256(email)}`));
  }
}
