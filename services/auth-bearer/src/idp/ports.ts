import type { JWK } from 'jose';
import type { CredentialChecker, KeyValueStore, Logger, TrustedPeers, UserDirectory } from '@gatehouse/shared';
import type { SessionEvents } from '../domain/ports.js';
import type { OpenSessionInput } from '../domain/sessions.js';
import type { SessionRecord } from '../store/session-store.js';

/**
 * What the built-in provider uses of auth-bearer's session domain: few entry points, so a
 * refactor of the domain only has to keep these (SessionService satisfies it today).
 */
export interface IdpSessions {
  open(input: OpenSessionInput): Promise<{ session: SessionRecord }>;
  /** The live session, or null (revoked, expired, idle). */
  get(sid: string): Promise<SessionRecord | null>;
  /** Marks it used (idle expiry), at most once a minute. */
  touch(s: SessionRecord): Promise<void>;
  revokeSession(sid: string, reason: string): Promise<boolean>;
  /** When every credential of the user issued before this instant (ms) was voided, or null. */
  userNotBefore(userId: string): Promise<number | null>;
}

/** What it uses of the key ring (KeyRing.signingJwks): private JWKs, the active key first. */
export interface IdpKeys {
  signingJwks(): Promise<{ version: string; keys: JWK[] }>;
}

export interface IdpDeps {
  store: KeyValueStore;
  sessions: IdpSessions;
  keys: IdpKeys;
  users: UserDirectory;
  credentials: CredentialChecker;
  /** AUTH_BEARER_TRUST_PROXY: whose X-Forwarded-For gives the end user's address (limiter, session). */
  trustedPeers: TrustedPeers;
  /** Security signals the provider detects (a replayed refresh token), audited like auth-bearer's own. */
  events: Pick<SessionEvents, 'audit'>;
  logger: Logger;
}
