import type { InsertResult, Versioned } from '@gatehouse/shared/store';

/**
 * What the app-token rules need from the outside world. Implementations live in store/, users/, events/.
 * The user directory is the shared port (`UserDirectory` from @gatehouse/shared).
 */

/** One stored app token (`app:token:<id>`); only the digest of the secret is kept. */
export interface AppTokenRecord {
  id: string;
  user_id: string;
  digest: string;
  label: string;
  /** Epoch ms. */
  created: number;
  expires: number;
  /** Epoch ms of the last successful use, 0 when never used. Written at most once per interval. */
  last_used: number;
  /** Empty: unrestricted. */
  scopes: string[];
  /** Who created it when not the owner (impersonation, CLI with an actor); '' otherwise. */
  created_by: string;
}

/** A record together with the exact stored form, for compare-and-set updates. */
export type VersionedRecord = Versioned<AppTokenRecord>;

/** `taken`: the id is in use (mint another); `limit`: the owner already holds `maxPerUser` live tokens. */
export type { InsertResult };

export interface TokenRepository {
  /**
   * Stores a new token (never overwrites) unless its owner already holds `maxPerUser` live tokens,
   * atomically with respect to concurrent inserts: the limit holds however many run at once.
   */
  insert(record: AppTokenRecord, maxPerUser: number): Promise<InsertResult>;
  /** One lookup by id. */
  get(id: string): Promise<VersionedRecord | null>;
  /** Replaces the record only if it is still `previous` (a deleted token is never resurrected). */
  update(previous: VersionedRecord, next: AppTokenRecord): Promise<boolean>;
  /** Deletes the record and its entry in the owner's index; false when it was already gone. */
  remove(record: Pick<AppTokenRecord, 'id' | 'user_id'>): Promise<boolean>;
  /** Ids in the owner's index (may include ids whose record already expired). */
  idsOf(userId: string): Promise<string[]>;
  getMany(ids: readonly string[]): Promise<Array<AppTokenRecord | null>>;
  /** Drops ids from the owner's index (stale entries). */
  forget(userId: string, ids: readonly string[]): Promise<void>;
}

/** Tells the proxies a token must no longer be accepted (revocation list + event). */
export interface RevocationSink {
  revoke(tokenId: string, userId: string): Promise<void>;
}

export type { AuditSink } from '@gatehouse/shared/events';
