/**
 * Whether the proxy has missed a revocation event. Every revocation increments the store's
 * sequence (REVOCATION_SEQUENCE_KEY) after writing its list entry, and its event carries the number.
 * The proxy remembers the numbers events brought and, polling the sequence, sees the ones that never
 * came (a publisher cut off from NATS while the proxy's own link is fine): a number still missing
 * `graceMs` after it was first seen missing (an event in flight gets that long) calls for a reload
 * of the lists. A jump larger than `maxGap` reloads at once (remembering that many numbers is not
 * worth it).
 */
export class RevocationSequence {
  /** Every revocation up to this number is known (from events or a load). */
  private synced = 0;
  /** Numbers above `synced` that events brought. */
  private readonly seen = new Set<number>();
  /** Since when the number right after `synced` has been missing. */
  private missingSince: number | null = null;

  constructor(
    private readonly graceMs: number,
    private readonly maxGap = 10_000,
  ) {}

  /** An event carried `seq`. */
  saw(seq: number): void {
    if (seq > this.synced && seq - this.synced <= this.maxGap) this.seen.add(seq);
  }

  /** A load of every list finished that began when the sequence stood at `seq` (read before the load). */
  loaded(seq: number): void {
    this.advanceTo(seq);
  }

  /** The sequence stands at `head` at `now`: true when a revocation was missed (reload the lists). */
  missed(head: number, now: number): boolean {
    if (head < this.synced) {
      // The store lost the counter (a Redis without persistence restarted): start over from its value.
      this.synced = head;
      this.seen.clear();
      this.missingSince = null;
      return true;
    }
    if (head - this.synced > this.maxGap) return true;
    let s = this.synced;
    while (s < head && this.seen.has(s + 1)) s++;
    if (s > this.synced) this.advanceTo(s);
    if (s >= head) {
      this.missingSince = null;
      return false;
    }
    this.missingSince ??= now;
    return now - this.missingSince >= this.graceMs;
  }

  private advanceTo(seq: number): void {
    if (seq <= this.synced) return;
    this.synced = seq;
    for (const n of this.seen) if (n <= seq) this.seen.delete(n);
    // The first missing number (if any) is a new one: it gets its own grace.
    this.missingSince = null;
  }

  /** For metrics and tests: the highest number known with everything before it. */
  get known(): number {
    return this.synced;
  }
}
