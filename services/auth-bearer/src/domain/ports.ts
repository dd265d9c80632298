/**
 * What auth-bearer's rules need from the outside world, and the records they work on.
 * Implementations: store/session-store.ts (SessionRepository over the KeyValueStore contract),
 * events/publisher.ts (SessionEvents: revocation lists, NATS, audit, logs), keys/ (SigningKeys).
 * The user directory is the shared port (`UserDirectory` from @gatehouse/shared/users).
 */
import type { CryptoKey, JWK } from 'jose';
import type { KeySource } from '@gatehouse/shared/jwt';

/** A session: the allow-list entry every refresh token and session-bound access token depends on. */
export interface SessionRecord {
  id: string;
  user_id: string;
  client_id: string;
  amr: string[];
  scopes: string[];
  email: string;
  name: string;
  roles: string[];
  groups: string[];
  created_at: number;
  last_used_at: number;
  /** Absolute end (REFRESH_TOKEN_TTL after creation). */
  expires_at: number;
  /** Idle end (SESSION_IDLE_TTL after last use, never past expires_at). */
  idle_expires_at: number;
  ip: string;
  user_agent: string;
  /** Set for sessions opened through an external provider (SSO). */
  external?: ExternalSessionLink;
}

/** The provider session a Gatehouse session came from: back-channel logout finds it by `sid` or `sub`. */
export interface ExternalSessionLink {
  provider: string;
  /** The IdP's `sub` and session id (`sid` claim of the ID token), when it has them. */
  sub?: string;
  sid?: string;
  /** The provider's refresh token, sealed (AES-256-GCM, key derived from GATEHOUSE_SECRET). */
  refresh_token_sealed?: string;
}

/** A refresh token, stored under the SHA-256 of its value; the value itself is never stored. */
export type RefreshRecord = { sid: string; state: 'active' } | { sid: string; state: 'rotated'; rotated_at: number; next: string };

/** Raw value alongside the parsed one, for compare-and-set. */
export interface Versioned<T> {
  raw: string;
  value: T;
}

/** Sessions, refresh tokens (by digest), grace-window successors and user-wide not-before times. */
export interface SessionRepository {
  getSession(sid: string): Promise<Versioned<SessionRecord> | null>;
  /** Stores a new session (never overwrites) and indexes it under its user; false on an id collision. */
  createSession(s: SessionRecord, ttlMs: number): Promise<boolean>;
  /** Replaces the session only if nobody changed (or deleted) it since `expected` was read. */
  replaceSession(expected: string, next: SessionRecord, ttlMs: number): Promise<boolean>;
  /** Deletes the session; returns it when it existed (so the caller revokes once). */
  deleteSession(sid: string): Promise<SessionRecord | null>;
  userSessionIds(userId: string): Promise<string[]>;
  forgetUserSessions(userId: string, sids: string[]): Promise<void>;
  getRefresh(digest: string): Promise<Versioned<RefreshRecord> | null>;
  putRefresh(digest: string, r: RefreshRecord, ttlMs: number): Promise<void>;
  /** The atomic rotation step: only one caller turns an active token into a rotated one. */
  swapRefresh(digest: string, expected: string, next: RefreshRecord, ttlMs: number): Promise<boolean>;
  deleteRefresh(...digests: string[]): Promise<void>;
  /** The successor's value, sealed, for the grace window only. */
  putSuccessor(digest: string, sealed: string, ttlMs: number): Promise<void>;
  getSuccessor(digest: string): Promise<string | null>;
  setUserNotBefore(userId: string, notBefore: number, ttlMs: number): Promise<void>;
  getUserNotBefore(userId: string): Promise<number | null>;
  /** A session-less access token revoked by its `jti` (RFC 7009), remembered for its remaining life. */
  revokeAccessToken(jti: string, ttlMs: number): Promise<void>;
  isAccessTokenRevoked(jti: string): Promise<boolean>;
}

/** What the rules announce. The adapter writes revocation lists, publishes, audits and logs. */
export interface SessionEvents {
  sessionRevoked(sid: string, userId: string): Promise<void>;
  userRevoked(userId: string, notBefore: number): Promise<void>;
  /** One session-less access token (by `jti`) is void for `retentionMs` (what is left of its life). */
  accessTokenRevoked(jti: string, userId: string, retentionMs: number): Promise<void>;
  keysRotated(kid: string): Promise<void>;
  audit(action: string, actor: string, subject: string, extra?: Record<string, unknown>): Promise<void>;
  /** A rotated refresh token came back outside its grace window; its session is already revoked. */
  refreshTokenReused(session: SessionRecord, tokenDigest: string): Promise<void>;
}

export type SigningAlg = 'ES256' | 'RS256' | 'EdDSA';

/** A signing key with its public half. */
export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
  /** The private key as a JWK, for the built-in OpenID Provider (it signs with its own JOSE stack). */
  privateJwk: JWK;
  /** When it stops being published (undefined: active, or never retired). */
  expiresAt: number | undefined;
}

/** The signing keys: one active key signs; published keys verify. */
export interface SigningKeys {
  active(): Promise<SigningKey>;
  /** Verification keys for tokens this service issued (only published ones). */
  keySource(): KeySource;
  /** A new active key; the previous one stays published for its window. */
  rotate(): Promise<{ kid: string; published: string[] }>;
}

/** A configured service account that may impersonate users (AUTH_BEARER_SERVICE_ACCOUNTS). */
export interface ServiceAccount {
  client_id: string;
  /** SHA-256 of the secret, hex or base64url. */
  secret_sha256: string;
  /** May it act for users holding the admin role? */
  allow_admin_targets: boolean;
  /** Scopes it may request; absent: any. */
  scopes?: string[] | undefined;
}
