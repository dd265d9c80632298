/**
 * NATS subjects and their payloads. One table, so publishers and subscribers cannot drift.
 * Every event carries `id` (unique, for idempotence) and `at` (epoch ms).
 */
export const SUBJECTS = {
  /** { sid, user_id, exp } a session (and its refresh family) was revoked. */
  revokedSession: 'gatehouse.revoked.session',
  /** { user_id, not_before } every credential of the user issued before not_before is void. */
  revokedUser: 'gatehouse.revoked.user',
  /** { token_id, user_id } an app token was deleted or expired. */
  revokedAppToken: 'gatehouse.revoked.apptoken',
  /** { token_id, user_id, exp, generation? } an API key was deleted, refreshed or disabled: tokens minted from it are void. */
  revokedApiKey: 'gatehouse.revoked.apikey',
  /** All revocations (proxy subscription). */
  revokedAll: 'gatehouse.revoked.*',
  /** { kid } a signing key was added or retired: verifiers refetch the JWKS. */
  keysRotated: 'gatehouse.keys.rotated',
  /** { user_id, reason } reason: disabled | deleted | password_changed | suspended | updated */
  userChanged: 'gatehouse.user.changed',
  /** Audit trail: { action, actor, subject, ... } */
  audit: 'gatehouse.audit',
} as const;

export interface BaseEvent {
  id: string;
  at: number;
}

export interface RevokedSessionEvent extends BaseEvent {
  sid: string;
  user_id: string;
  /** Until when the revocation matters (the longest access-token lifetime from now). */
  exp: number;
}

export interface RevokedUserEvent extends BaseEvent {
  user_id: string;
  /** Credentials issued (iat) before this epoch ms are void. */
  not_before: number;
  exp: number;
}

export interface RevokedCredentialEvent extends BaseEvent {
  token_id: string;
  user_id: string;
  exp: number;
  /**
   * API keys: what was minted from this generation of the key or an earlier one is void (a refreshed
   * key keeps its id). Absent: every generation (a deleted key, an app token).
   */
  generation?: number;
}

export type UserChangeReason = 'disabled' | 'deleted' | 'password_changed' | 'suspended' | 'updated';

export interface UserChangedEvent extends BaseEvent {
  user_id: string;
  reason: UserChangeReason;
}

export interface AuditEvent extends BaseEvent {
  action: string;
  actor: string;
  subject: string;
  [k: string]: unknown;
}

/**
 * Redis key prefixes (under the store's own `gh:` prefix). Revocation lists are sorted sets
 * scored by expiry (epoch ms), pruned on write, so a starting proxy loads them in one call each.
 * Members: `sessions` → sid; `users` → `<user_id>:<not_before_ms>`; `apptokens` → the credential id;
 * `apikeys` → `<key id>:<generation>` (tokens minted from that generation or an earlier one) or the
 * bare key id (every generation).
 */
export const REVOCATION_KEYS = {
  sessions: 'revoked:sessions',
  users: 'revoked:users',
  appTokens: 'revoked:apptokens',
  apiKeys: 'revoked:apikeys',
} as const;
