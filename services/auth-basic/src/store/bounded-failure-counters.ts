import type { Clock } from '@gatehouse/shared';
import {
  clearFailures,
  fail,
  holdEnds,
  isHolding,
  isIdle,
  release,
  reserve,
  type AttemptRules,
  type AttemptState,
} from '../domain/attempt-state.js';
import type { FailureCounters } from './failure-counters.js';

/**
 * In-process brute-force counters with a hard cap on entries: the limiter's fallback while its
 * store is down. Each change runs synchronously (no await between read and write), so it is as
 * atomic as the store's compare-and-set. The table must stay bounded (an attacker can mint endless
 * e-mails and addresses) and a full table must never mean "unlimited". So, when a new subject
 * needs a slot:
 *  1. entries with nothing left to remember (window and delay over, no attempt in flight) are dropped;
 *  2. else the least recently changed entry that holds nobody back (no delay, no attempt in
 *     flight) is evicted (flushing a given one takes `maxEntries` fresh failures, themselves IP-limited);
 *  3. else every entry is holding someone back: the table fails closed. A subject without a slot
 *     is refused until the first hold in the table ends (→ REQUESTS_EXCEEDED with Retry-After), and
 *     entries in a delay or with an attempt in flight are never evicted.
 */
export class BoundedFailureCounters implements FailureCounters {
  /** Map order is recency: a change moves its entry to the end. */
  private readonly entries = new Map<string, AttemptState>();
  /** While the table is known to be full of holding entries: when the first hold ends (skips rescans under attack). */
  private saturatedUntil = 0;

  constructor(
    private readonly clock: Clock,
    readonly maxEntries: number,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  }

  get size(): number {
    return this.entries.size;
  }

  async reserve(subject: string, rules: AttemptRules, leaseId: string): Promise<number> {
    const now = this.clock.now();
    const current = this.entries.get(subject);
    if (!current && !this.makeRoom(now)) return Math.max(1, this.saturatedUntil - now);
    const r = reserve(current, now, rules, leaseId);
    if (r.waitMs === 0) this.put(subject, r.state, now);
    return r.waitMs;
  }

  async fail(subject: string, rules: AttemptRules, leaseId: string): Promise<void> {
    const now = this.clock.now();
    const current = this.entries.get(subject);
    // No slot: the failure is not recorded, but the subject is refused until a slot frees (reserve).
    if (!current && !this.makeRoom(now)) return;
    this.put(subject, fail(current, now, rules, leaseId), now);
  }

  async release(subject: string, leaseId: string): Promise<void> {
    const current = this.entries.get(subject);
    if (current) this.put(subject, release(current, this.clock.now(), leaseId), this.clock.now());
  }

  async clear(subject: string, leaseId?: string): Promise<void> {
    const current = this.entries.get(subject);
    if (current) this.put(subject, clearFailures(current, this.clock.now(), leaseId), this.clock.now());
  }

  private put(subject: string, state: AttemptState, now: number): void {
    this.entries.delete(subject);
    if (isIdle(state, now)) this.saturatedUntil = 0;
    else this.entries.set(subject, state);
  }

  private makeRoom(now: number): boolean {
    if (this.entries.size < this.maxEntries) return true;
    if (now < this.saturatedUntil) return false;
    return this.scan(now);
  }

  /**
   * Frees a slot: a dead entry anywhere, else the least recently changed entry that holds nobody
   * back. O(entries), only when the table is full.
   */
  private scan(now: number): boolean {
    let candidate: string | undefined;
    let firstHoldEnd = Infinity;
    for (const [key, e] of this.entries) {
      if (isIdle(e, now)) {
        this.entries.delete(key);
        return true;
      }
      if (!isHolding(e, now)) candidate ??= key;
      else firstHoldEnd = Math.min(firstHoldEnd, holdEnds(e, now));
    }
    if (candidate === undefined) {
      this.saturatedUntil = firstHoldEnd;
      return false;
    }
    this.entries.delete(candidate);
    return true;
  }
}
