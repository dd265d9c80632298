import {
  REVOCATION_KEYS,
  SUBJECTS,
  publishEvent,
  rememberRevocation,
  type Clock,
  type EventBus,
  type KeyValueStore,
} from '@gatehouse/shared';
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
    await rememberRevocation(this.store, REVOCATION_KEYS.appTokens, tokenId, exp, now);
    try {
      await publishEvent(this.bus, this.clock, SUBJECTS.revokedAppToken, { token_id: tokenId, user_id: userId, exp });
    } catch (err) {
      // The sorted set already holds the revocation; proxies reload it after reconnecting.
      this.logger.warn({ err, token_id: tokenId }, 'could not publish app-token revocation');
    }
  }
}
