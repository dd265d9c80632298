import { randomUUID } from 'node:crypto';
import { REVOCATION_KEYS, SUBJECTS, type Clock, type EventBus, type KeyValueStore, type Logger } from '@gatehouse/shared';

/**
 * Writes revocations where a starting proxy finds them (sorted sets scored by expiry, pruned on
 * write) and announces them on NATS. The store is the source of truth: a failed publish is logged,
 * never fatal, because subscribers reload from the store after a reconnect.
 */
export class EventPublisher {
  constructor(
    private readonly opts: {
      store: KeyValueStore;
      bus: EventBus;
      clock: Clock;
      logger: Logger;
      retentionMs: number;
      /** Told every audit action (metrics). */
      onAudit?: (action: string) => void;
    },
  ) {}

  private async publish(subject: string, payload: Record<string, unknown>): Promise<void> {
    try {
      await this.opts.bus.publish(subject, { id: randomUUID(), at: this.opts.clock.now(), ...payload });
    } catch (err) {
      this.opts.logger.warn({ err, subject }, 'event not published (subscribers resync from the store)');
    }
  }

  private async remember(key: string, member: string, exp: number): Promise<void> {
    const now = this.opts.clock.now();
    await this.opts.store.zAdd(key, member, exp);
    await this.opts.store.zRemRangeByScore(key, 0, now);
  }

  async sessionRevoked(sid: string, userId: string): Promise<void> {
    const exp = this.opts.clock.now() + this.opts.retentionMs;
    await this.remember(REVOCATION_KEYS.sessions, sid, exp);
    await this.publish(SUBJECTS.revokedSession, { sid, user_id: userId, exp });
  }

  /** Member `<user_id>:<not_before ms>`: every credential of the user issued before not_before is void. */
  async userRevoked(userId: string, notBefore: number): Promise<void> {
    const exp = this.opts.clock.now() + this.opts.retentionMs;
    await this.remember(REVOCATION_KEYS.users, `${userId}:${notBefore}`, exp);
    await this.publish(SUBJECTS.revokedUser, { user_id: userId, not_before: notBefore, exp });
  }

  async keysRotated(kid: string): Promise<void> {
    await this.publish(SUBJECTS.keysRotated, { kid });
  }

  async audit(action: string, actor: string, subject: string, extra: Record<string, unknown> = {}): Promise<void> {
    this.opts.onAudit?.(action);
    await this.publish(SUBJECTS.audit, { action, actor, subject, service: 'auth-bearer', ...extra });
  }
}
