import type { Clock, KeyValueStore } from '@gatehouse/shared';

/**
 * Login-failure counters per subject (`acct:<sha256(email)>`, `ip:<addr>`): a count within a
 * window, and the end of the delay the last failure started.
 */
export interface FailureCounters {
  /** When each subject's current delay ends (epoch ms); 0 or a past time when there is none. */
  delayEnds(subjects: readonly string[]): Promise<number[]>;
  /** Counts one failure (the window starts at the first one) and starts the delay `delayFor(count)` if > 0. */
  recordFailure(subject: string, windowMs: number, delayFor: (failures: number) => number): Promise<void>;
  clear(subject: string): Promise<void>;
}

/** The counters in the service store (Redis in production), shared by every instance. */
export class StoreFailureCounters implements FailureCounters {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly clock: Clock,
  ) {}

  async delayEnds(subjects: readonly string[]): Promise<number[]> {
    const ends = await this.kv.mget(subjects.map((s) => `basic:fail:until:${s}`));
    return ends.map((e) => (e ? Number(e) : 0));
  }

  async recordFailure(subject: string, windowMs: number, delayFor: (failures: number) => number): Promise<void> {
    const n = await this.kv.incr(`basic:fail:${subject}`, windowMs);
    const delay = delayFor(n);
    if (delay > 0) await this.kv.set(`basic:fail:until:${subject}`, String(this.clock.now() + delay), { ttlMs: delay });
  }

  async clear(subject: string): Promise<void> {
    await this.kv.del(`basic:fail:${subject}`, `basic:fail:until:${subject}`);
  }
}
