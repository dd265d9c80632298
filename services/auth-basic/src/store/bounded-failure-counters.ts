import type { Clock } from '@gatehouse/shared';
import type { FailureCounters } from './failure-counters.js';

interface Entry {
  failures: number;
  windowEnd: number;
  delayEnd: number;
}

/**
 * In-process failure counters with a hard cap on entries: the limiter's fallback while its store
 * is down. The table must stay bounded (an attacker can mint endless e-mails and addresses) and a
 * full table must never mean "unlimited". So, when a new subject needs a slot:
 *  1. entries whose window and delay are both over are dropped;
 *  2. else the least recently failed entry that is not in a delay is evicted (it restrains nobody
 *     right now; flushing a given one takes `maxEntries` fresh failures, themselves IP-limited);
 *  3. else every entry is holding someone back: the table fails closed. A subject without a slot is
 *     reported as delayed until the first delay in the table ends (→ REQUESTS_EXCEEDED with
 *     Retry-After), and entries in a delay are never evicted.
 */
export class BoundedFailureCounters implements FailureCounters {
  /** Map order is recency: a failure moves its entry to the end. */
  private readonly entries = new Map<string, Entry>();
  /** While the table is known to be full of delayed entries: when the first delay ends (skips rescans under attack). */
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

  async delayEnds(subjects: readonly string[]): Promise<number[]> {
    const now = this.clock.now();
    return subjects.map((s) => {
      const e = this.entries.get(s);
      if (e) return e.delayEnd;
      return this.hasRoom(now) ? 0 : this.saturatedUntil;
    });
  }

  async recordFailure(subject: string, windowMs: number, delayFor: (failures: number) => number): Promise<void> {
    const now = this.clock.now();
    let e = this.entries.get(subject);
    if (e) {
      this.entries.delete(subject);
      if (e.windowEnd <= now) e = { failures: 0, windowEnd: now + windowMs, delayEnd: e.delayEnd };
    } else {
      // No slot: the failure is not recorded, but the subject is refused until a slot frees (delayEnds).
      if (!this.makeRoom(now)) return;
      e = { failures: 0, windowEnd: now + windowMs, delayEnd: 0 };
    }
    e.failures++;
    const delay = delayFor(e.failures);
    if (delay > 0) e.delayEnd = Math.max(e.delayEnd, now + delay);
    this.entries.set(subject, e);
  }

  async clear(subject: string): Promise<void> {
    if (this.entries.delete(subject)) this.saturatedUntil = 0;
  }

  private hasRoom(now: number): boolean {
    if (this.entries.size < this.maxEntries) return true;
    if (now < this.saturatedUntil) return false;
    return this.scan(now, false);
  }

  private makeRoom(now: number): boolean {
    if (this.entries.size < this.maxEntries) return true;
    if (now < this.saturatedUntil) return false;
    return this.scan(now, true);
  }

  /**
   * Finds a slot: a dead entry (window and delay over) anywhere, else the least recently failed
   * entry not in a delay. With `evict`, frees it. O(entries), only when the table is full.
   */
  private scan(now: number, evict: boolean): boolean {
    let candidate: string | undefined;
    let firstDelayEnd = Infinity;
    for (const [key, e] of this.entries) {
      if (e.windowEnd <= now && e.delayEnd <= now) {
        if (evict) this.entries.delete(key);
        return true;
      }
      if (e.delayEnd <= now) candidate ??= key;
      else firstDelayEnd = Math.min(firstDelayEnd, e.delayEnd);
    }
    if (candidate === undefined) {
      this.saturatedUntil = firstDelayEnd;
      return false;
    }
    if (evict) this.entries.delete(candidate);
    return true;
  }
}
