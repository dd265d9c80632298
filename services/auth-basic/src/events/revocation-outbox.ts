import { randomUUID } from 'node:crypto';
import { SUBJECTS, type Clock, type EventBus, type KeyValueStore, type Logger, type UserChangeReason } from '@gatehouse/shared';

/** The pending deliveries: a sorted set scored by when each is next due (epoch ms). */
export const REVOCATION_OUTBOX_KEY = 'basic:outbox:user-revocations';
const leaseKey = (id: string) => `basic:outbox:lease:${id}`;

/** A change that must end the user's access, as stored until both deliveries have succeeded. */
interface Pending {
  /** The gatehouse.user.changed event's id, also RevokeUser's change_id: handled once downstream. */
  id: string;
  user_id: string;
  reason: UserChangeReason;
  /** When the change happened (the event's `at`). */
  at: number;
}

export interface OutboxOptions {
  /** First retry delay; later ones grow with the entry's age (about doubling), up to `maxDelayMs`. */
  minDelayMs: number;
  maxDelayMs: number;
}

/**
 * Disable, suspend, delete and password change, delivered durably: the change is written to the
 * store first (after the user record itself), then told the two ways (the `gatehouse.user.changed`
 * event for every subscriber, TokenService.RevokeUser for auth-bearer), and an entry stays until
 * both have succeeded. A failed attempt is retried by `drain` (every instance runs it on a timer;
 * a short lease keeps two from working on one entry) with a growing delay: auth-bearer down, NATS
 * down or the event lost, the sessions still end once the service is back. Both deliveries carry
 * the same id, so repeats are no-ops downstream.
 */
export class RevocationOutbox {
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      store: KeyValueStore;
      bus: EventBus;
      clock: Clock;
      logger: Logger;
      revokeUser: (userId: string, reason: string, changeId: string) => Promise<void>;
    },
    private readonly opts: OutboxOptions,
  ) {}

  /**
   * Records the change durably, then tries to deliver it at once. Never throws: the change itself
   * is done. Should the store refuse the entry, one direct attempt is still made (logged).
   */
  async deliver(userId: string, reason: UserChangeReason): Promise<void> {
    const p: Pending = { id: randomUUID(), user_id: userId, reason, at: this.deps.clock.now() };
    const member = JSON.stringify(p);
    try {
      await this.deps.store.zAdd(REVOCATION_OUTBOX_KEY, member, p.at + this.opts.minDelayMs);
    } catch (err) {
      this.deps.logger.error({ err, user_id: userId, reason }, 'revocation outbox unavailable: one direct attempt, no retry');
    }
    await this.attempt(p, member);
  }

  /** Retries every entry that is due. */
  drain(): Promise<void> {
    this.draining ??= this.drainOnce().finally(() => (this.draining = undefined));
    return this.draining;
  }

  /** Drains every `minDelayMs` until stopped. */
  start(): void {
    this.timer = setInterval(() => {
      this.drain().catch((err: unknown) => this.deps.logger.warn({ err }, 'revocation outbox: drain failed'));
    }, this.opts.minDelayMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async drainOnce(): Promise<void> {
    const due = await this.deps.store.zRangeByScore(REVOCATION_OUTBOX_KEY, 0, this.deps.clock.now());
    for (const { member } of due) {
      const p = parsePending(member);
      if (!p) {
        await this.deps.store.zRemove(REVOCATION_OUTBOX_KEY, [member]);
        continue;
      }
      // Another instance may be on it: the lease lasts one attempt (RevokeUser's deadline is shorter).
      if (!(await this.deps.store.set(leaseKey(p.id), '1', { onlyIfAbsent: true, ttlMs: this.opts.minDelayMs }))) continue;
      await this.attempt(p, member);
    }
  }

  /** Both deliveries, each tried whatever the other did; removes the entry once both succeeded, else reschedules it. */
  private async attempt(p: Pending, member: string): Promise<boolean> {
    const [published, revoked] = await Promise.allSettled([
      this.deps.bus.publish(SUBJECTS.userChanged, { id: p.id, at: p.at, user_id: p.user_id, reason: p.reason }),
      this.deps.revokeUser(p.user_id, p.reason, p.id),
    ]);
    const failed = [published, revoked].find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      const err: unknown = failed.reason;
      const now = this.deps.clock.now();
      const delay = Math.min(this.opts.maxDelayMs, Math.max(this.opts.minDelayMs, now - p.at));
      this.deps.logger.warn(
        { err, user_id: p.user_id, reason: p.reason, retry_in_ms: delay },
        'user revocation not delivered yet; retrying from the outbox',
      );
      await this.deps.store.zAdd(REVOCATION_OUTBOX_KEY, member, now + delay).catch(() => undefined);
      return false;
    }
    await this.deps.store.zRemove(REVOCATION_OUTBOX_KEY, [member]).catch(() => undefined);
    return true;
  }
}

function parsePending(member: string): Pending | null {
  try {
    const p = JSON.parse(member) as Partial<Pending>;
    return typeof p.id === 'string' && typeof p.user_id === 'string' && typeof p.reason === 'string' && typeof p.at === 'number'
      ? (p as Pending)
      : null;
  } catch {
    return null;
  }
}
