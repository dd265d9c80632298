import type { Clock, KeyValueStore } from '@gatehouse/shared';
import type { AppTokenRecord, InsertResult, TokenRepository, VersionedRecord } from '../domain/ports.js';

export const tokenKey = (id: string): string => `app:token:${id}`;
export const userTokensKey = (userId: string): string => `app:user-tokens:${userId}`;
/** Slot `n` of a user's AUTH_APP_MAX_TOKENS_PER_USER slots: the id of the token holding it, TTL = that token's. */
export const slotKey = (userId: string, n: number): string => `app:user-slot:${userId}:${n}`;
/** Where the next claim starts looking (a hint: spreads claims, never decides anything). */
export const slotHintKey = (userId: string): string => `app:user-slot-next:${userId}`;

/** The stored record also names the slot it holds, so removing it frees that slot in O(1). */
type Stored = Omit<AppTokenRecord, 'id'> & { slot?: number };
const CHUNK = 500;

function decode(id: string, raw: string | null): AppTokenRecord | null {
  if (raw === null) return null;
  try {
    const s = JSON.parse(raw) as Partial<Stored>;
    if (typeof s.user_id !== 'string' || typeof s.digest !== 'string' || typeof s.expires !== 'number') return null;
    return {
      id,
      user_id: s.user_id,
      digest: s.digest,
      label: String(s.label ?? ''),
      created: Number(s.created ?? 0),
      expires: s.expires,
      last_used: Number(s.last_used ?? 0),
      scopes: Array.isArray(s.scopes) ? s.scopes.map(String) : [],
      created_by: String(s.created_by ?? ''),
    };
  } catch {
    return null; // a corrupt record authenticates nothing
  }
}

function encode(r: AppTokenRecord, slot: number | undefined): string {
  const stored: Stored = {
    user_id: r.user_id,
    digest: r.digest,
    label: r.label,
    created: r.created,
    expires: r.expires,
    last_used: r.last_used,
    scopes: r.scopes,
    created_by: r.created_by,
    ...(slot !== undefined ? { slot } : {}),
  };
  return JSON.stringify(stored);
}

function slotOf(raw: string | null): number | undefined {
  if (raw === null) return undefined;
  try {
    const { slot } = JSON.parse(raw) as Stored;
    return Number.isSafeInteger(slot) && slot! >= 0 ? slot : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Tokens in the shared KeyValueStore (Redis in production, memory in the all-in-one run):
 * `app:token:<id>` (JSON, TTL = the token's expiry), `app:user-tokens:<user>` (set of ids, for listing)
 * and `app:user-slot:<user>:<n>` (n < the per-user limit; value = the id holding it, TTL = its expiry).
 *
 * The per-user limit holds under concurrency because a token exists for its caller only once it holds
 * a slot, and a slot is taken with SET NX (atomic on Redis and in memory): at most `max` tokens can
 * hold one. There is no counter to drift: a slot frees itself when its token expires (the TTL), is freed
 * when the token is removed (`take` returns the record exactly once, so exactly one caller frees it),
 * and is reclaimed when full slots name a record that is gone or expired (a crash between deleting a
 * record and freeing its slot). The record is written BEFORE its slot is claimed, so a slot whose
 * record is missing is never a creation still in flight. `indexTtlMs` keeps the per-user set and the
 * slot hint at least as long as any token they can refer to.
 */
export class KvTokenRepository implements TokenRepository {
  constructor(
    private readonly store: KeyValueStore,
    private readonly clock: Clock,
    private readonly indexTtlMs: number,
  ) {}

  async insert(record: AppTokenRecord, maxPerUser: number): Promise<InsertResult> {
    const ttlMs = record.expires - this.clock.now();
    if (ttlMs <= 0) return 'taken';
    const user = record.user_id;
    const hint = ((await this.store.incr(slotHintKey(user), this.indexTtlMs)) - 1) % maxPerUser;
    const raw = encode(record, hint);
    if (!(await this.store.set(tokenKey(record.id), raw, { ttlMs, onlyIfAbsent: true }))) return 'taken';
    const slot = await this.claimSlot(user, record.id, ttlMs, hint, maxPerUser);
    if (slot === null) {
      await this.store.del(tokenKey(record.id)); // never listed, never shown: nobody can hold it
      return 'limit';
    }
    if (slot !== hint && !(await this.store.compareAndSet(tokenKey(record.id), raw, encode(record, slot), { ttlMs }))) {
      await this.store.compareAndSet(slotKey(user, slot), record.id, null); // removed meanwhile: give the slot back
      return 'taken';
    }
    await this.store.setAdd(userTokensKey(user), [record.id], Math.max(ttlMs, this.indexTtlMs));
    return 'inserted';
  }

  /** The slot now held by `id`, or null when all `max` slots hold live tokens. */
  private async claimSlot(userId: string, id: string, ttlMs: number, hint: number, max: number): Promise<number | null> {
    const take = (n: number) => this.store.set(slotKey(userId, n), id, { ttlMs, onlyIfAbsent: true });
    if (await take(hint)) return hint;
    // Start after the hint so concurrent claimers spread out instead of racing for slot 0.
    const order = Array.from({ length: max }, (_, i) => (hint + 1 + i) % max);
    const holders = await this.slotHolders(userId, max);
    for (const n of order) if (holders[n] === null && (await take(n))) return n;
    // All full: reclaim slots whose token is gone or expired, then look again. Every claimer looks
    // again (not only at the slots it freed itself): concurrent claimers share the reclaiming, and a
    // claimer gives up only when each slot it saw free was taken by another, successful, creation.
    await this.reclaimDeadSlots(userId, holders);
    const fresh = await this.slotHolders(userId, max);
    for (const n of order) if (fresh[n] === null && (await take(n))) return n;
    return null;
  }

  private async slotHolders(userId: string, max: number): Promise<Array<string | null>> {
    const out: Array<string | null> = [];
    for (let i = 0; i < max; i += CHUNK) {
      const keys = Array.from({ length: Math.min(CHUNK, max - i) }, (_, j) => slotKey(userId, i + j));
      out.push(...(await this.store.mget(keys)));
    }
    return out;
  }

  /** Frees the slots whose token is gone or expired. */
  private async reclaimDeadSlots(userId: string, holders: Array<string | null>): Promise<void> {
    const held = holders.flatMap((id, n) => (id === null ? [] : [{ id, n }]));
    const records = await this.getMany(held.map((h) => h.id));
    const now = this.clock.now();
    for (const [i, { id, n }] of held.entries()) {
      const r = records[i];
      if (r && r.user_id === userId && r.expires > now) continue;
      // Compare-and-set: frees the slot only if that dead token still holds it.
      await this.store.compareAndSet(slotKey(userId, n), id, null);
    }
  }

  async get(id: string): Promise<VersionedRecord | null> {
    const raw = await this.store.get(tokenKey(id));
    const record = decode(id, raw);
    return record && raw !== null ? { record, version: raw } : null;
  }

  async update(previous: VersionedRecord, next: AppTokenRecord): Promise<boolean> {
    const ttlMs = next.expires - this.clock.now();
    if (ttlMs <= 0) return false;
    return this.store.compareAndSet(tokenKey(next.id), previous.version, encode(next, slotOf(previous.version)), { ttlMs });
  }

  async remove(record: Pick<AppTokenRecord, 'id' | 'user_id'>): Promise<boolean> {
    // `take` hands the record to exactly one caller, so concurrent removes free the slot once.
    const raw = await this.store.take(tokenKey(record.id));
    const slot = slotOf(raw);
    if (slot !== undefined) await this.store.compareAndSet(slotKey(record.user_id, slot), record.id, null);
    await this.store.setRemove(userTokensKey(record.user_id), [record.id]);
    return raw !== null;
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
