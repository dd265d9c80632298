import { REVOCATION_KEYS, SUBJECTS, announceRevocation, type Clock, type EventBus, type KeyValueStore } from '@gatehouse/shared';
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
    await announceRevocation(
      { store: this.store, bus: this.bus, clock: this.clock, logger: this.logger },
      {
        list: REVOCATION_KEYS.appTokens,
        member: tokenId,
        retentionMs: this.retentionMs,
        subject: SUBJECTS.revokedAppToken,
        fields: { token_id: tokenId, user_id: userId },
      },
    );
  }
}
