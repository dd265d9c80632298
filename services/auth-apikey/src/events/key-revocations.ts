import {
  CredentialRevocationPublisher,
  REVOCATION_KEYS,
  SUBJECTS,
  type Clock,
  type EventBus,
  type KeyValueStore,
  type Logger,
} from '@gatehouse/shared';
import type { KeyRevocations } from '../domain/ports.js';

/**
 * Revocations of API-key tokens: `revoked:apikeys` (member `<key id>:<generation>`, or the bare id for
 * every generation) and `gatehouse.revoked.apikey`, through the shared credential publisher. The
 * retention must exceed the lifetime of the tokens minted from a key (AUTH_APIKEY_TOKEN_TTL).
 */
export class KeyRevocationPublisher implements KeyRevocations {
  private readonly inner: CredentialRevocationPublisher;

  constructor(store: KeyValueStore, bus: EventBus, clock: Clock, retentionMs: number, logger: Logger) {
    this.inner = new CredentialRevocationPublisher({
      store,
      bus,
      clock,
      logger,
      listKey: REVOCATION_KEYS.apiKeys,
      subject: SUBJECTS.revokedApiKey,
      retentionMs,
    });
  }

  revoke(keyId: string, userId: string, generation?: number): Promise<void> {
    return this.inner.revoke(keyId, userId, generation);
  }
}
