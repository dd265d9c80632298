import {
  REVOCATION_KEYS,
  SUBJECTS,
  publishEvent,
  announceRevocation,
  type Clock,
  type EventBus,
  type EventFields,
  type EventSubject,
  type KeyValueStore,
  type Logger,
} from '@gatehouse/shared';
import type { SessionEvents, SessionRecord } from '../domain/ports.js';

/** The audit action of a replayed refresh token (auth-bearer's sessions and the built-in IdP's grants): alerted on. */
export const REFRESH_TOKEN_REUSE = 'session.refresh_token_reuse';

/**
 * Writes revocations where a starting proxy finds them (sorted sets scored by expiry, pruned on
 * write) and announces them on NATS. The store is the source of truth: a failed publish is logged,
 * never fatal, because subscribers reload from the store after a reconnect.
 */
export class EventPublisher implements SessionEvents {
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

  private async publish<S extends EventSubject>(subject: S, fields: EventFields<S>): Promise<void> {
    try {
      await publishEvent(this.opts.bus, this.opts.clock, subject, fields);
    } catch (err) {
      this.opts.logger.warn({ err, subject }, 'event not published (subscribers resync from the store)');
    }
  }

  async sessionRevoked(sid: string, userId: string): Promise<void> {
    await announceRevocation(this.opts, {
      list: REVOCATION_KEYS.sessions,
      member: sid,
      retentionMs: this.opts.retentionMs,
      subject: SUBJECTS.revokedSession,
      fields: { sid, user_id: userId },
    });
  }

  /** Member `<user_id>:<not_before ms>`: every credential of the user issued before not_before is void. */
  async userRevoked(userId: string, notBefore: number): Promise<void> {
    await announceRevocation(this.opts, {
      list: REVOCATION_KEYS.users,
      member: `${userId}:${notBefore}`,
      retentionMs: this.opts.retentionMs,
      subject: SUBJECTS.revokedUser,
      fields: { user_id: userId, not_before: notBefore },
    });
  }

  /** Member: the token's `jti`, kept for what is left of its life. */
  async accessTokenRevoked(jti: string, userId: string, retentionMs: number): Promise<void> {
    await announceRevocation(this.opts, {
      list: REVOCATION_KEYS.accessTokens,
      member: jti,
      retentionMs,
      subject: SUBJECTS.revokedAccessToken,
      fields: { token_id: jti, user_id: userId },
    });
  }

  async keysRotated(kid: string): Promise<void> {
    await this.publish(SUBJECTS.keysRotated, { kid });
  }

  async audit(action: string, actor: string, subject: string, extra: Record<string, unknown> = {}): Promise<void> {
    this.opts.onAudit?.(action);
    await this.publish(SUBJECTS.audit, { action, actor, subject, service: 'auth-bearer', ...extra });
  }

  /** Logged (security signal) and audited; only a prefix of the digest leaves the service. */
  async refreshTokenReused(session: SessionRecord, tokenDigest: string): Promise<void> {
    this.opts.logger.warn({ sid: session.id, user_id: session.user_id }, 'refresh token reuse: session revoked');
    await this.audit(REFRESH_TOKEN_REUSE, session.user_id, session.id, { token_digest: tokenDigest.slice(0, 8) });
  }
}
