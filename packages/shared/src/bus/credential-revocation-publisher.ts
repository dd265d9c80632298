import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { announceRevocation, type SUBJECTS } from '../events.js';
import type { KeyValueStore } from '../store/store.js';
import type { EventBus } from './bus.js';

/** The subjects of delegated credentials: app tokens and API keys. */
export type CredentialRevocationSubject = typeof SUBJECTS.revokedAppToken | typeof SUBJECTS.revokedApiKey;

export interface CredentialRevocationOptions {
  store: KeyValueStore;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** The sorted set the proxies load (REVOCATION_KEYS.appTokens, .apiKeys). */
  listKey: string;
  /** The subject the proxies apply at once (SUBJECTS.revokedAppToken, .revokedApiKey). */
  subject: CredentialRevocationSubject;
  /** How long an entry stays on the list: longer than anything it revokes can live or be cached. */
  retentionMs: number;
}

/**
 * A revoked delegated credential, announced the shared way (announceRevocation: its list, then its
 * event). With a `generation` (API keys only: a refreshed key keeps its id), the member is
 * `<id>:<generation>` and the event carries it: only what was issued from that generation of the
 * credential or an earlier one is void.
 */
export class CredentialRevocationPublisher {
  constructor(private readonly o: CredentialRevocationOptions) {}

  revoke(credentialId: string, userId: string, generation?: number): Promise<void> {
    const { store, bus, clock, logger, listKey, subject, retentionMs } = this.o;
    return announceRevocation(
      { store, bus, clock, logger },
      {
        list: listKey,
        member: generation === undefined ? credentialId : `${credentialId}:${generation}`,
        retentionMs,
        subject,
        fields: { token_id: credentialId, user_id: userId, ...(generation === undefined ? {} : { generation }) },
      },
    );
  }
}
