import { GatehouseError, type Clock, type KeyValueStore } from '@gatehouse/shared';
import {
  clearFailures,
  expiresAt,
  fail,
  isIdle,
  parseState,
  release,
  reserve,
  type AttemptRules,
  type AttemptState,
} from '../domain/attempt-state.js';

/**
 * Brute-force counters per subject (`acct:<sha256(email)>`, `ip:<addr>`): failures in a window,
 * the current delay, and the attempts in flight (leases). Every change is atomic per subject, so
 * concurrent attempts cannot all pass a check before any of them is counted (attempt-state.ts).
 */
export interface FailureCounters {
  /** Reserves an attempt: 0 when it may go on (holding `leaseId`), else the ms to wait. */
  reserve(subject: string, rules: AttemptRules, leaseId: string): Promise<number>;
  /** The attempt failed: counts it (with or without a lease still held) and starts the delay it earns. */
  fail(subject: string, rules: AttemptRules, leaseId: string): Promise<void>;
  /** The attempt ended without a verdict: drops the lease. */
  release(subject: string, leaseId: string): Promise<void>;
  /** Forgets the subject's failures and delay (and `leaseId`); other attempts in flight stay counted. */
  clear(subject: string, leaseId?: string): Promise<void>;
}

/** Compare-and-set rounds before a change gives up (only writers race: reservations, verdicts). */
const MAX_ROUNDS = 64;
/** A malformed stored value refuses for this long, then expires (fail closed, never permanent). */
const MALFORMED_WAIT_MS = 60_000;

/**
 * The counters in the service store (Redis in production), shared by every instance: one JSON
 * value per subject (`basic:lim:<subject>`), changed only by compare-and-set, with a TTL that ends
 * with its window, delay and leases.
 */
export class StoreFailureCounters implements FailureCounters {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly clock: Clock,
  ) {}

  private async update<T>(
    subject: string,
    change: (s: AttemptState | undefined, now: number) => { next: AttemptState; result: T },
  ): Promise<T> {
    const key = `basic:lim:${subject}`;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const raw = await this.kv.get(key);
      const now = this.clock.now();
      const { next, result } = change(parseState(raw, now, MALFORMED_WAIT_MS), now);
      const value = isIdle(next, now) ? null : JSON.stringify(next);
      if (value === raw) return result;
      if (await this.kv.compareAndSet(key, raw, value, { ttlMs: Math.max(1, expiresAt(next) - now) })) return result;
    }
    throw new GatehouseError('REQUESTS_EXCEEDED', {
      message: 'Too many concurrent login attempts; try again later.',
      retryAfter: 1,
      detail: `limiter contention on ${subject.slice(0, 5)}`,
    });
  }

  reserve(subject: string, rules: AttemptRules, leaseId: string): Promise<number> {
    return this.update(subject, (s, now) => {
      const r = reserve(s, now, rules, leaseId);
      return { next: r.state, result: r.waitMs };
    });
  }

  fail(subject: string, rules: AttemptRules, leaseId: string): Promise<void> {
    return this.update(subject, (s, now) => ({ next: fail(s, now, rules, leaseId), result: undefined }));
  }

  release(subject: string, leaseId: string): Promise<void> {
    return this.update(subject, (s, now) => ({ next: release(s, now, leaseId), result: undefined }));
  }

  clear(subject: string, leaseId?: string): Promise<void> {
    return this.update(subject, (s, now) => ({ next: clearFailures(s, now, leaseId), result: undefined }));
  }
}
