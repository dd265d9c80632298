import { CredentialRevocationPublisher, REVOCATION_KEYS, SUBJECTS, type Clock, type EventBus, type KeyValueStore } from '@gatehouse/shared';
import type { Logger } from 'pino';
import type { RevocationSink } from '../domain/ports.js';

/**
 * A revoked token id goes on `revoked:apptokens` (retention must exceed the proxy's cache of
 * app-token successes) and out on `gatehouse.revoked.apptoken` (the shared credential publisher).
 */
export class RevocationPublisher implements RevocationSink {
  private readonly inner: CredentialRevocationPublisher;

  constructor(store: KeyValueStore, bus: EventBus, clock: Clock, retentionMs: number, logger: Logger) {
    this.inner = new CredentialRevocationPublisher({
      store,
      bus,
      clock,
      logger,
      listKey: REVOCATION_KEYS.appTokens,
      subject: SUBJECTS.revokedAppToken,
      retentionMs,
    });
  }

  revoke(tokenId: string, userId: string): Promise<void> {
    return this.inner.revoke(tokenId, userId);
  }
}
