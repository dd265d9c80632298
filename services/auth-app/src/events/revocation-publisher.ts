import { randomUUID } from 'node:crypto';
import { REVOCATION_KEYS, SUBJECTS, type Clock, type EventBus, type KeyValueStore, type RevokedCredentialEvent } from '@gatehouse/shared';
import type { Logger } from 'pino';
import type { RevocationSink } from '../domain/ports.js';

/**
 * A revoked token id goes on the `revoked:apptokens` sorted set (score = when the entry may be
 * dropped: now + retention, which must exceed the proxy's cache of successes) and out on
 * `gatehouse.revoked.apptoken`. The set is the durable path (proxies reload it after a NATS gap);
 * the event makes proxies drop a cached success at once.
 */
export class RevocationPublisher implements RevocationSink {
  constructor(
    private readonly store: KeyValueStore,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly retentionMs: number,
    private readonly logger: Logger,
  ) {}

  async revoke(tokenId: string, userId: string): Promise<void> {
    const now = this.clock.now();
    const exp = now + this.retentionMs;
    await this.store.zAdd(REVOCATION_KEYS.appTokens, tokenId, exp);
    await this.store.zRemRangeByScore(REVOCATION_KEYS.appTokens, 0, now);
    const event: RevokedCredentialEvent = { id: randomUUID(), at: now, token_id: tokenId, user_id: userId, exp };
    try {
      await this.bus.publish(SUBJECTS.revokedAppToken, { ...event });
    } catch (err) {
      // The sorted set already holds the revocation; proxies reload it after reconnecting.
      this.logger.warn({ err, token_id: tokenId }, 'could not publish app-token revocation');
    }
  }
}
