import type { Clock } from '../clock.js';
import type { KeyValueStore } from './store.js';

/** A record owned by one user, stored under its id. */
export interface OwnedRecord {
  id: string;
  user_id: string;
}

/** A record together with the exact stored form, for compare-and-set updates. */
export interface Versioned<R> {
  record: R;
  version: string;
}

/** `taken`: the id is in use (mint another); `limit`: the owner already holds `maxPerUser` live records. */
export type InsertResult = 'inserted' | 'taken' | 'limit';

/** Where a kind of record lives in the store. */
export interface SlottedKeys {
  record(id: string): string;
  /** Set of the owner's record ids, for listing. */
  userIndex(userId: string): string;
  /** Slot `n` of the owner's slots: the id of the record holding it. */
  slot(userId: string, n: number): string;
  /** Where the next claim starts looking (a hint: spreads claims, never decides anything). */
  slotHint(userId: string): string;
}

/**
 * The store keys of one kind of slotted record, one layout for every service:
 * `<prefix>:<record>:<id>`, `<prefix>:<index>:<user>`, `<prefix>:user-slot:<user>:<n>` and
 * `<prefix>:user-slot-next:<user>` (`slottedKeys('app', 'token', 'user-tokens')` → `app:token:<id>`, …).
 */
export function slottedKeys(prefix: string, record: string, index: string): SlottedKeys {
  return {
    record: (id) => `${prefix}:${record}:${id}`,
    userIndex: (userId) => `${prefix}:${index}:${userId}`,
    slot: (userId, n) => `${prefix}:user-slot:${userId}:${n}`,
    slotHint: (userId) => `${prefix}:user-slot-next:${userId}`,
  };
}

export interface SlottedRecordsOptions<R extends OwnedRecord> {
  store: KeyValueStore;
  clock: Clock;
  keys: SlottedKeys;
  /** The stored JSON object of a record, without its id (the store adds the slot it holds). */
  toStored(record: R): Record<string, unknown>;
  /** A record back from its stored object, or null when it is malformed (a corrupt record authenticates nothing). */
  fromStored(id: string, stored: Record<string, unknown>): R | null;
  /** When the record stops existing (epoch ms), or undefined when it never expires. */
  expiresAt(record: R): number | undefined;
  /** Keeps the per-user index and the slot hint at least this long (ms); undefined: no TTL. */
  indexTtlMs?: number | undefined;
}

const CHUNK = 500;

/**
 * Records with a per-user limit that holds under concurrency, in the shared KeyValueStore (Redis in
 * production, memory in the all-in-one run): the record (JSON, TTL = its expiry if it has one), a
 * per-user index (set of ids, for listing) and N slots per user (value = the id holding it).
 *
 * The limit holds because a record exists for its caller only once it holds a slot, and a slot is taken
 * with SET NX (atomic on Redis and in memory): at most `max` records can hold one. There is no counter
 * to drift: a slot frees itself when its record expires (the TTL), is freed when the record is removed
 * (`take` returns the record exactly once, so exactly one caller frees it), and is reclaimed when full
 * slots name a record that is gone or expired (a crash between deleting a record and freeing its slot).
 * The record is written BEFORE its slot is claimed, so a slot whose record is missing is never a
 * creation still in flight. auth-app's tokens and auth-apikey's keys both live this way.
 */
export class SlottedRecords<R extends OwnedRecord> {
  constructor(private readonly o: SlottedRecordsOptions<R>) {}

  private ttlOf(record: R): number | undefined | null {
    const exp = this.o.expiresAt(record);
    if (exp === undefined) return undefined;
    const ttl = exp - this.o.clock.now();
    return ttl > 0 ? ttl : null;
  }

  private encode(record: R, slot: number | undefined): string {
    return JSON.stringify({ ...this.o.toStored(record), ...(slot !== undefined ? { slot } : {}) });
  }

  private decode(id: string, raw: string | null): R | null {
    if (raw === null) return null;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
      return this.o.fromStored(id, parsed as Record<string, unknown>);
    } catch {
      return null;
    }
  }

  private static slotOf(raw: string | null): number | undefined {
    if (raw === null) return undefined;
    try {
      const { slot } = JSON.parse(raw) as { slot?: unknown };
      return typeof slot === 'number' && Number.isSafeInteger(slot) && slot >= 0 ? slot : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Stores a new record (never overwrites) unless its owner already holds `maxPerUser` live records,
   * atomically with respect to concurrent inserts: the limit holds however many run at once.
   */
  async insert(record: R, maxPerUser: number): Promise<InsertResult> {
    const ttlMs = this.ttlOf(record);
    if (ttlMs === null) return 'taken';
    const { store, keys, indexTtlMs } = this.o;
    const user = record.user_id;
    const hint = ((await store.incr(keys.slotHint(user), indexTtlMs)) - 1) % maxPerUser;
    const raw = this.encode(record, hint);
    if (!(await store.set(keys.record(record.id), raw, { ttlMs, onlyIfAbsent: true }))) return 'taken';
    const slot = await this.claimSlot(user, record.id, ttlMs, hint, maxPerUser);
    if (slot === null) {
      await store.del(keys.record(record.id)); // never listed, never shown: nobody can hold it
      return 'limit';
    }
    if (slot !== hint && !(await store.compareAndSet(keys.record(record.id), raw, this.encode(record, slot), { ttlMs }))) {
      await store.compareAndSet(keys.slot(user, slot), record.id, null); // removed meanwhile: give the slot back
      return 'taken';
    }
    const indexTtl = ttlMs === undefined || indexTtlMs === undefined ? undefined : Math.max(ttlMs, indexTtlMs);
    await store.setAdd(keys.userIndex(user), [record.id], indexTtl);
    return 'inserted';
  }

  /** The slot now held by `id`, or null when all `max` slots hold live records. */
  private async claimSlot(userId: string, id: string, ttlMs: number | undefined, hint: number, max: number): Promise<number | null> {
    const take = (n: number) => this.o.store.set(this.o.keys.slot(userId, n), id, { ttlMs, onlyIfAbsent: true });
    if (await take(hint)) return hint;
    // Start after the hint so concurrent claimers spread out instead of racing for slot 0.
    const order = Array.from({ length: max }, (_, i) => (hint + 1 + i) % max);
    const holders = await this.slotHolders(userId, max);
    for (const n of order) if (holders[n] === null && (await take(n))) return n;
    // All full: reclaim slots whose record is gone or expired, then look again. Every claimer looks
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
      const slotKeys = Array.from({ length: Math.min(CHUNK, max - i) }, (_, j) => this.o.keys.slot(userId, i + j));
      out.push(...(await this.o.store.mget(slotKeys)));
    }
    return out;
  }

  /** Frees the slots whose record is gone or expired. */
  private async reclaimDeadSlots(userId: string, holders: Array<string | null>): Promise<void> {
    const held = holders.flatMap((id, n) => (id === null ? [] : [{ id, n }]));
    const records = await this.getMany(held.map((h) => h.id));
    const now = this.o.clock.now();
    for (const [i, { id, n }] of held.entries()) {
      const r = records[i];
      const exp = r ? this.o.expiresAt(r) : undefined;
      if (r && r.user_id === userId && (exp === undefined || exp > now)) continue;
      // Compare-and-set: frees the slot only if that dead record still holds it.
      await this.o.store.compareAndSet(this.o.keys.slot(userId, n), id, null);
    }
  }

  /** One lookup by id. */
  async get(id: string): Promise<Versioned<R> | null> {
    const raw = await this.o.store.get(this.o.keys.record(id));
    const record = this.decode(id, raw);
    return record && raw !== null ? { record, version: raw } : null;
  }

  /** Replaces the record only if it is still `previous` (a deleted record is never resurrected). */
  async update(previous: Versioned<R>, next: R): Promise<boolean> {
    const ttlMs = this.ttlOf(next);
    if (ttlMs === null) return false;
    const slot = SlottedRecords.slotOf(previous.version);
    return this.o.store.compareAndSet(this.o.keys.record(next.id), previous.version, this.encode(next, slot), { ttlMs });
  }

  /** Deletes the record, frees its slot and drops it from the owner's index; false when it was already gone. */
  async remove(record: Pick<R, 'id' | 'user_id'>): Promise<boolean> {
    const { store, keys } = this.o;
    // `take` hands the record to exactly one caller, so concurrent removes free the slot once.
    const raw = await store.take(keys.record(record.id));
    const slot = SlottedRecords.slotOf(raw);
    if (slot !== undefined) await store.compareAndSet(keys.slot(record.user_id, slot), record.id, null);
    await store.setRemove(keys.userIndex(record.user_id), [record.id]);
    return raw !== null;
  }

  /** Ids in the owner's index (may include ids whose record already expired). */
  idsOf(userId: string): Promise<string[]> {
    return this.o.store.setMembers(this.o.keys.userIndex(userId));
  }

  async getMany(ids: readonly string[]): Promise<Array<R | null>> {
    const out: Array<R | null> = [];
    // Bounded batches: one MGET of 1000 keys is fine, of 100k is not.
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const raws = await this.o.store.mget(chunk.map((id) => this.o.keys.record(id)));
      chunk.forEach((id, j) => out.push(this.decode(id, raws[j] ?? null)));
    }
    return out;
  }

  /** Drops ids from the owner's index (stale entries). */
  forget(userId: string, ids: readonly string[]): Promise<void> {
    return this.o.store.setRemove(this.o.keys.userIndex(userId), ids);
  }
}
