import type { KeyValueStore } from '@gatehouse/shared';
import type { RefreshRecord, SessionRecord, SessionRepository, Versioned } from '../domain/ports.js';

export type { ExternalSessionLink, RefreshRecord, SessionRecord, Versioned } from '../domain/ports.js';

const sessionKey = (sid: string) => `bearer:session:${sid}`;
const refreshKey = (digest: string) => `bearer:refresh:${digest}`;
const successorKey = (digest: string) => `bearer:successor:${digest}`;
const userSessionsKey = (userId: string) => `bearer:user-sessions:${userId}`;
const userNotBeforeKey = (userId: string) => `bearer:user-not-before:${userId}`;
const revokedAccessTokenKey = (jti: string) => `bearer:revoked-jti:${jti}`;

const parse = <T>(raw: string | null): Versioned<T> | null => (raw === null ? null : { raw, value: JSON.parse(raw) as T });

/** Session and refresh-token persistence (Redis or memory, through the KeyValueStore contract). */
export class SessionStore implements SessionRepository {
  constructor(private readonly store: KeyValueStore) {}

  async getSession(sid: string): Promise<Versioned<SessionRecord> | null> {
    return parse<SessionRecord>(await this.store.get(sessionKey(sid)));
  }

  async createSession(s: SessionRecord, ttlMs: number): Promise<boolean> {
    const ok = await this.store.set(sessionKey(s.id), JSON.stringify(s), { ttlMs, onlyIfAbsent: true });
    if (ok) await this.store.setAdd(userSessionsKey(s.user_id), [s.id], ttlMs);
    return ok;
  }

  /** Replaces the session only if nobody changed (or deleted) it since `expected` was read. */
  async replaceSession(expected: string, next: SessionRecord, ttlMs: number): Promise<boolean> {
    return this.store.compareAndSet(sessionKey(next.id), expected, JSON.stringify(next), { ttlMs });
  }

  /** Deletes the session; returns it when it existed (so the caller revokes once). */
  async deleteSession(sid: string): Promise<SessionRecord | null> {
    const raw = await this.store.take(sessionKey(sid));
    if (raw === null) return null;
    const s = JSON.parse(raw) as SessionRecord;
    await this.store.setRemove(userSessionsKey(s.user_id), [sid]);
    return s;
  }

  userSessionIds(userId: string): Promise<string[]> {
    return this.store.setMembers(userSessionsKey(userId));
  }

  async forgetUserSessions(userId: string, sids: string[]): Promise<void> {
    await this.store.setRemove(userSessionsKey(userId), sids);
  }

  async getRefresh(digest: string): Promise<Versioned<RefreshRecord> | null> {
    return parse<RefreshRecord>(await this.store.get(refreshKey(digest)));
  }

  async putRefresh(digest: string, r: RefreshRecord, ttlMs: number): Promise<void> {
    await this.store.set(refreshKey(digest), JSON.stringify(r), { ttlMs });
  }

  /** The atomic rotation step: only one caller turns an active token into a rotated one. */
  swapRefresh(digest: string, expected: string, next: RefreshRecord, ttlMs: number): Promise<boolean> {
    return this.store.compareAndSet(refreshKey(digest), expected, JSON.stringify(next), { ttlMs });
  }

  async deleteRefresh(...digests: string[]): Promise<void> {
    await this.store.del(...digests.map(refreshKey), ...digests.map(successorKey));
  }

  /** The successor's value, sealed, for the grace window only (the key expires with it). */
  async putSuccessor(digest: string, sealed: string, ttlMs: number): Promise<void> {
    await this.store.set(successorKey(digest), sealed, { ttlMs });
  }

  getSuccessor(digest: string): Promise<string | null> {
    return this.store.get(successorKey(digest));
  }

  async setUserNotBefore(userId: string, notBefore: number, ttlMs: number): Promise<void> {
    await this.store.set(userNotBeforeKey(userId), String(notBefore), { ttlMs });
  }

  async getUserNotBefore(userId: string): Promise<number | null> {
    const v = await this.store.get(userNotBeforeKey(userId));
    return v === null ? null : Number(v);
  }

  async revokeAccessToken(jti: string, ttlMs: number): Promise<void> {
    await this.store.set(revokedAccessTokenKey(jti), '1', { ttlMs });
  }

  async isAccessTokenRevoked(jti: string): Promise<boolean> {
    return (await this.store.get(revokedAccessTokenKey(jti))) !== null;
  }
}
