import type { Clock, KeyValueStore } from '@gatehouse/shared';
import type { AppTokenRecord, TokenRepository, VersionedRecord } from '../domain/ports.js';

export const tokenKey = (id: string): string => `app:token:${id}`;
export const userTokensKey = (userId: string): string => `app:user-tokens:${userId}`;

type Stored = Omit<AppTokenRecord, 'id'>;

function decode(id: string, raw: string | null): AppTokenRecord | null {
  if (raw === null) return null;
  try {
    const s = JSON.parse(raw) as Partial<Stored>;
    if (typeof s.user_id !== 'string' || typeof s.digest !== 'string' || typeof s.expires !== 'number') return null;
    return { id, user_id: s.user_id, digest: s.digest, label: String(s.label ?? ''), created: Number(s.created ?? 0), expires: s.expires, last_used: Number(s.last_used ?? 0), scopes: Array.isArray(s.scopes) ? s.scopes.map(String) : [], created_by: String(s.created_by ?? '') };
  } catch {
    return null; // a corrupt record authenticates nothing
  }
}

function encode(r: AppTokenRecord): string {
  const stored: Stored = { user_id: r.user_id, digest: r.digest, label: r.label, created: r.created, expires: r.expires, last_used: r.last_used, scopes: r.scopes, created_by: r.created_by };
  return JSON.stringify(stored);
}

/**
 * Tokens in the shared KeyValueStore (Redis in production, memory in the all-in-one run):
 * `app:token:<id>` (JSON, TTL = the token's expiry) and `app:user-tokens:<user>` (set of ids).
 * `indexTtlMs` keeps the per-user set at least as long as any token it can hold.
 */
export class KvTokenRepository implements TokenRepository {
  constructor(
    private readonly store: KeyValueStore,
    private readonly clock: Clock,
    private readonly indexTtlMs: number,
  ) {}

  async insert(record: AppTokenRecord): Promise<boolean> {
    const ttlMs = record.expires - this.clock.now();
    if (ttlMs <= 0) return false;
    if (!(await this.store.set(tokenKey(record.id), encode(record), { ttlMs, onlyIfAbsent: true }))) return false;
    await this.store.setAdd(userTokensKey(record.user_id), [record.id], Math.max(ttlMs, this.indexTtlMs));
    return true;
  }

  async get(id: string): Promise<VersionedRecord | null> {
    const raw = await this.store.get(tokenKey(id));
    const record = decode(id, raw);
    return record && raw !== null ? { record, version: raw } : null;
  }

  async update(previous: VersionedRecord, next: AppTokenRecord): Promise<boolean> {
    const ttlMs = next.expires - this.clock.now();
    if (ttlMs <= 0) return false;
    return this.store.compareAndSet(tokenKey(next.id), previous.version, encode(next), { ttlMs });
  }

  async remove(record: Pick<AppTokenRecord, 'id' | 'user_id'>): Promise<boolean> {
    const n = await this.store.del(tokenKey(record.id));
    await this.store.setRemove(userTokensKey(record.user_id), [record.id]);
    return n > 0;
  }

  idsOf(userId: string): Promise<string[]> {
    return this.store.setMembers(userTokensKey(userId));
  }

  async getMany(ids: readonly string[]): Promise<Array<AppTokenRecord | null>> {
    const out: Array<AppTokenRecord | null> = [];
    // Bounded batches: one MGET of 1000 keys is fine, of 100k is not.
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const raws = await this.store.mget(chunk.map(tokenKey));
      chunk.forEach((id, j) => out.push(decode(id, raws[j] ?? null)));
    }
    return out;
  }

  forget(userId: string, ids: readonly string[]): Promise<void> {
    return this.store.setRemove(userTokensKey(userId), ids);
  }
}
