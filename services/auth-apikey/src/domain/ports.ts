import type { InsertResult, Versioned } from '@gatehouse/shared/store';
import type { DirectoryUser } from '@gatehouse/shared/users';

/**
 * What the API-key rules need from the outside world. Implementations live in store/, oidc/, mint/,
 * events/. The user directory and the audit sink are the shared ports (`UserDirectory`, `AuditSink`).
 */

/** The seed's KeyStatus without its prefix (KEY_STATUS_UNKNOWN is never stored). */
export type KeyStatus = 'UNAUTHORIZED' | 'READY' | 'ERROR' | 'REVOKED';

/** The IdP grant behind a READY key: proof that its creator authorized it, kept alive by refreshing. */
export interface KeyGrant {
  /** The IdP's subject of the person who authorized the key (the creator). */
  subject: string;
  /** Sealed at rest by the repository (AES-256-GCM under a key derived from GATEHOUSE_SECRET). */
  refresh_token: string;
  /** When the grant's IdP access token expires (epoch ms): the grant is refreshed from then on. */
  expires_at: number;
  /** When the grant was obtained or last refreshed (epoch ms). */
  refreshed_at: number;
}

/** One stored API key (`apikey:key:<uuid>`); only the HMAC digest of its secret is kept. */
export interface ApiKeyRecord {
  /** The key's uuid (canonical lower-case form); its 16 raw bytes are the seed's `uuid`. */
  id: string;
  user_id: string;
  name: string;
  digest: string;
  scopes: string[];
  /** Epoch ms. */
  created: number;
  /** Epoch ms of the last exchange, 0 when never used. Written at most once per interval. */
  last_used: number;
  status: KeyStatus;
  /** Why the key is in ERROR ('' otherwise). */
  error: string;
  /**
   * 1 at creation, +1 at every refresh. Tokens carry it (`api_key_gen`) and revocations name it, so a
   * refreshed key's old tokens are refused while its new ones pass. A pending authorization names the
   * generation it authorizes.
   */
  generation: number;
  grant: KeyGrant | null;
}

export interface KeyRepository {
  /** Stores a new key unless its owner already holds `maxPerUser` keys (atomic under concurrency). */
  insert(record: ApiKeyRecord, maxPerUser: number): Promise<InsertResult>;
  /** One lookup by id. */
  get(id: string): Promise<Versioned<ApiKeyRecord> | null>;
  /** Replaces the record only if it is still `previous` (a deleted key is never resurrected). */
  update(previous: Versioned<ApiKeyRecord>, next: ApiKeyRecord): Promise<boolean>;
  /** Deletes the key and frees its slot; false when it was already gone. */
  remove(record: Pick<ApiKeyRecord, 'id' | 'user_id'>): Promise<boolean>;
  idsOf(userId: string): Promise<string[]>;
  getMany(ids: readonly string[]): Promise<Array<ApiKeyRecord | null>>;
  forget(userId: string, ids: readonly string[]): Promise<void>;
}

/** What the callback needs to finish an authorization it did not start. */
export interface PendingAuthorization {
  key_id: string;
  user_id: string;
  /** The key generation being authorized: a later refresh makes this authorization stale. */
  generation: number;
  code_verifier: string;
  nonce: string;
  /** Where the browser goes when it is done ('' → a short page). Checked when the key was created. */
  redirect: string;
}

/** Pending authorizations by their `state`: single use, expiring (AUTH_APIKEY_STATE_TTL). */
export interface PendingAuthorizations {
  save(state: string, pending: PendingAuthorization): Promise<void>;
  /** The pending authorization, removed atomically: a replayed state finds nothing. */
  take(state: string): Promise<PendingAuthorization | null>;
}

/** What an IdP answers at its token endpoint, reduced to what the rules use. */
export interface IdpTokens {
  /** The ID token's `sub` ('' when the answer had no ID token, as refresh answers may). */
  subject: string;
  email?: string | undefined;
  emailVerified?: boolean | undefined;
  refreshToken?: string | undefined;
  /** Lifetime of the IdP access token in seconds, when the IdP said. */
  expiresInSec?: number | undefined;
}

/**
 * How an IdP call failed: `invalid_grant` (the grant is dead: the key turns ERROR), `rejected` (the IdP
 * or openid-client refused the answer: a bad code, state, nonce, issuer, signature; `code` says which),
 * `unavailable` (it could not be asked: network, timeout, 5xx).
 */
export class IdpError extends Error {
  constructor(
    readonly kind: 'invalid_grant' | 'rejected' | 'unavailable',
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(`${kind}: ${code}`, options);
    this.name = 'IdpError';
  }
}

/** The OIDC identity provider a key is authorized through (the built-in one by default). */
export interface IdentityProvider {
  /** The authorization URL (code flow, PKCE S256, state, nonce, offline access). */
  authorizationUrl(p: { state: string; codeChallenge: string; nonce: string }): Promise<string>;
  /** Checks the callback and exchanges its code; throws IdpError. */
  exchangeCode(callback: URLSearchParams, checks: { state: string; codeVerifier: string; nonce: string }): Promise<IdpTokens>;
  /** Refreshes the grant; throws IdpError (`invalid_grant` when the IdP revoked it). */
  refresh(refreshToken: string): Promise<IdpTokens>;
}

/** Access tokens are signed by auth-bearer only (TokenService.MintAccessToken). */
export interface TokenMinter {
  mint(p: { user: DirectoryUser; scopes: string[]; keyId: string; generation: number }): Promise<string>;
}

/** Tells the proxies that tokens minted from a key, up to `generation` (undefined: every one), are void. */
export interface KeyRevocations {
  revoke(keyId: string, userId: string, generation?: number): Promise<void>;
}

/** Counts hits per bucket in a fixed window; answers 0 when allowed, else the seconds until the window ends. */
export interface RateLimiter {
  hit(bucket: string, limit: number): Promise<number>;
}

/** Short exclusive locks (one grant refresh at a time per key: a rotating refresh token is single use). */
export interface Locks {
  acquire(name: string): Promise<boolean>;
  release(name: string): Promise<void>;
}
