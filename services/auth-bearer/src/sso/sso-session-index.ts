import { sha256, type KeyValueStore } from '@gatehouse/shared';

/** IdP ids are the provider's strings: keyed by their digest. */
const bySid = (provider: string, sid: string) => `bearer:sso-sid:${provider}:${sha256(sid)}`;
const bySub = (provider: string, sub: string) => `bearer:sso-sub:${provider}:${sha256(sub)}`;

/**
 * Which Gatehouse sessions came from which provider session (`sid`) and provider user (`sub`), for
 * back-channel logout. Entries live as long as a session can; ended sessions are skipped by the
 * caller (their records are gone).
 */
export class SsoSessionIndex {
  constructor(
    private readonly store: KeyValueStore,
    private readonly ttlMs: number,
  ) {}

  async add(provider: string, sessionId: string, ids: { sub?: string | undefined; sid?: string | undefined }): Promise<void> {
    if (ids.sid) await this.store.setAdd(bySid(provider, ids.sid), [sessionId], this.ttlMs);
    if (ids.sub) await this.store.setAdd(bySub(provider, ids.sub), [sessionId], this.ttlMs);
  }

  bySid(provider: string, sid: string): Promise<string[]> {
    return this.store.setMembers(bySid(provider, sid));
  }

  bySub(provider: string, sub: string): Promise<string[]> {
    return this.store.setMembers(bySub(provider, sub));
  }
}
