import { GatehouseError, addressLimitKey, isGatehouseError, randomToken, sha256, type Clock, type Logger } from '@gatehouse/shared';
import type { AttemptRules } from '../domain/attempt-state.js';
import { failureDelayMs } from '../domain/backoff.js';
import type { FailureCounters } from '../store/failure-counters.js';

export interface LoginLimiterOptions {
  windowMs: number;
  accountFree: number;
  ipFree: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long a reserved attempt holds without a verdict (LOGIN_ATTEMPT_LEASE). */
  leaseMs: number;
}

type Kind = 'acct' | 'ip';
type Verdict = 'failed' | 'succeeded' | 'released';

/** One password (or second-factor) check in flight; end it exactly once. */
export interface LimitedAttempt {
  /** A wrong secret: counts a failure on the account and the IP, maybe starting their delays. */
  failed(): Promise<void>;
  /** The secret was right: clears the account's failures; the IP's count stays. */
  succeeded(): Promise<void>;
  /** No verdict (busy hash queue, missing TOTP code, an error): the attempt counts for nothing. */
  released(): Promise<void>;
}

/**
 * Brute-force brake: per account and per IP (in the store, shared by every instance), a failure
 * count with a growing delay once the free attempts are spent. An attempt is *reserved* atomically
 * before the password is verified (attempt-state.ts), so a burst of parallel guesses gets no more
 * than the free attempts before the first delay, just like a sequence would. Never a permanent
 * lockout: the delay ends, and a successful login or a password reset clears the account's count.
 * When the store is down, the same rules run on a local, bounded table (BoundedFailureCounters:
 * LOGIN_FALLBACK_MAX_ENTRIES), which fails closed when full: never "unlimited".
 */
export class LoginLimiter {
  private lastWarn = 0;
  private readonly rules: Record<Kind, AttemptRules>;

  constructor(
    private readonly primary: FailureCounters,
    private readonly fallback: FailureCounters,
    private readonly clock: Clock,
    opts: LoginLimiterOptions,
    private readonly logger: Logger,
  ) {
    const rules = (free: number): AttemptRules => ({
      windowMs: opts.windowMs,
      free,
      leaseMs: opts.leaseMs,
      delayFor: (n) => failureDelayMs(n, { free, baseMs: opts.baseDelayMs, maxMs: opts.maxDelayMs }),
    });
    this.rules = { acct: rules(opts.accountFree), ip: rules(opts.ipFree) };
  }

  private subjects(email: string, ip: string): Array<{ kind: Kind; key: string }> {
    return [
      { kind: 'acct', key: `acct:${sha256(email)}` },
      // IPv6 by its /64: one network's 2^64 addresses are one subject.
      { kind: 'ip', key: `ip:${addressLimitKey(ip || 'unknown').slice(0, 64)}` },
    ];
  }

  private async withCounters<T>(fn: (c: FailureCounters) => Promise<T>): Promise<{ value: T; counters: FailureCounters }> {
    try {
      return { value: await fn(this.primary), counters: this.primary };
    } catch (err) {
      if (!isGatehouseError(err) || err.code !== 'SERVICE_UNAVAILABLE') throw err;
      if (this.clock.now() - this.lastWarn > 10_000) {
        this.lastWarn = this.clock.now();
        this.logger.warn({ detail: err.detail }, 'login limiter store unavailable: using the local fallback limiter');
      }
      return { value: await fn(this.fallback), counters: this.fallback };
    }
  }

  /**
   * Reserves one attempt for the account and the IP, or throws REQUESTS_EXCEEDED (with
   * Retry-After) while either is in its delay or would be pushed past its free attempts by the
   * attempts already in flight.
   */
  async begin(email: string, ip: string): Promise<LimitedAttempt> {
    const subjects = this.subjects(email, ip);
    const lease = randomToken(12);
    const { value: waitMs, counters } = await this.withCounters(async (c) => {
      const held: string[] = [];
      for (const s of subjects) {
        const wait = await c.reserve(s.key, this.rules[s.kind], lease);
        if (wait > 0) {
          for (const key of held) await c.release(key, lease);
          return wait;
        }
        held.push(s.key);
      }
      return 0;
    });
    if (waitMs > 0) {
      throw new GatehouseError('REQUESTS_EXCEEDED', {
        message: 'Too many failed login attempts; try again later.',
        retryAfter: Math.ceil(waitMs / 1000),
        detail: `login delay ${waitMs} ms`,
      });
    }

    let ended = false;
    const end = async (verdict: Verdict) => {
      if (ended) return;
      ended = true;
      const apply = async (c: FailureCounters) => {
        for (const s of subjects) {
          if (verdict === 'failed') await c.fail(s.key, this.rules[s.kind], lease);
          else if (verdict === 'succeeded' && s.kind === 'acct') await c.clear(s.key, lease);
          else await c.release(s.key, lease);
        }
      };
      try {
        await apply(counters);
      } catch (err) {
        // The store went down mid-attempt: a failure must still count somewhere.
        if (counters === this.fallback || !isGatehouseError(err) || err.code !== 'SERVICE_UNAVAILABLE') throw err;
        if (verdict === 'failed') await apply(this.fallback);
      }
    };
    return { failed: () => end('failed'), succeeded: () => end('succeeded'), released: () => end('released') };
  }

  /** Clears the account's failures (password reset). The IP's count stays. */
  async resetAccount(email: string): Promise<void> {
    await this.withCounters((c) => c.clear(`acct:${sha256(email)}`));
  }
}
