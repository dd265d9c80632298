import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { RevokedCredentialEvent } from '../events.js';
import type { KeyValueStore } from '../store/store.js';
import type { EventBus } from './bus.js';

export interface CredentialRevocationOptions {
  store: KeyValueStore;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** The sorted set the proxies load (REVOCATION_KEYS.appTokens, .apiKeys). */
  listKey: string;
  /** The subject the proxies apply at once (SUBJECTS.revokedAppToken, .revokedApiKey). */
  subject: string;
  /** How long an entry stays on the list: longer than anything it revokes can live or be cached. */
  retentionMs: number;
}

/**
 * A revoked delegated credential goes on a sorted set (score = when the entry may be dropped:
 * now + retention) and out on its subject. The set is the durable path (proxies reload it after a
 * NATS gap); the event makes proxies drop a cached success at once. With a `generation`, the member is
 * `<id>:<generation>` and the event carries it: only what was issued from that generation of the
 * credential or an earlier one is void (an API key refreshed under the same id).
 */
export class CredentialRevocationPublisher {
  constructor(private readonly o: CredentialRevocationOptions) {}

  async revoke(credentialId: string, userId: string, generation?: number): Promise<void> {
    const { store, bus, clock, listKey, subject } = this.o;
    const now = clock.now();
    const exp = now + this.o.retentionMs;
    await store.zAdd(listKey, generation === undefined ? credentialId : `${credentialId}:${generation}`, exp);
    await store.zRemRangeByScore(listKey, 0, now);
    const event: RevokedCredentialEvent = {
      id: randomUUID(),
      at: now,
      token_id: credentialId,
      user_id: userId,
      exp,
      ...(generation === undefined ? {} : { generation }),
    };
    try {
      await bus.publish(subject, { ...event });
    } catch (err) {
      // The sorted set already holds the revocation; proxies reload it after reconnecting.
      this.o.logger.warn({ err, token_id: credentialId }, 'could not publish a credential revocation');
    }
  }
}
