import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { REVOCATION_KEYS, SUBJECTS, announceRevocation } from '../events.js';
import type { KeyValueStore } from '../store/store.js';
import type { EventBus } from './bus.js';

/** Where a kind of delegated credential is revoked: the list proxies load and the subject they apply at once. */
export interface CredentialRevocations {
  list: string;
  subject: typeof SUBJECTS.revokedAppToken | typeof SUBJECTS.revokedApiKey;
}

/** App tokens (auth-app): `revoked:apptokens` and `gatehouse.revoked.apptoken`. */
export const APP_TOKEN_REVOCATIONS: CredentialRevocations = { list: REVOCATION_KEYS.appTokens, subject: SUBJECTS.revokedAppToken };
/** API keys (auth-apikey): `revoked:apikeys` and `gatehouse.revoked.apikey`. */
export const API_KEY_REVOCATIONS: CredentialRevocations = { list: REVOCATION_KEYS.apiKeys, subject: SUBJECTS.revokedApiKey };

/**
 * A revoked delegated credential, announced the shared way (announceRevocation: its list, then its
 * event). Entries stay `retentionMs`: longer than anything they revoke can live or be cached. With a
 * `generation` (API keys: a refreshed key keeps its id), the member is `<id>:<generation>` and the
 * event carries it: only what was issued from that generation of the credential or an earlier one is
 * void; without one, every generation is.
 */
export class CredentialRevocationPublisher {
  constructor(
    private readonly to: { store: KeyValueStore; bus: EventBus; clock: Clock; logger: Logger },
    private readonly kind: CredentialRevocations,
    private readonly retentionMs: number,
  ) {}

  revoke(credentialId: string, userId: string, generation?: number): Promise<void> {
    return announceRevocation(this.to, {
      list: this.kind.list,
      member: generation === undefined ? credentialId : `${credentialId}:${generation}`,
      retentionMs: this.retentionMs,
      subject: this.kind.subject,
      fields: { token_id: credentialId, user_id: userId, ...(generation === undefined ? {} : { generation }) },
    });
  }
}
