/**
 * The small key-value interface every service stores through. Two implementations:
 * Redis (production) and in-memory (embedded default); store.contract.ts is run against both.
 * Every TTL is in milliseconds. Failures of the backing store surface as SERVICE_UNAVAILABLE.
 */
export interface SetOptions {
  ttlMs?: number;
  /** Only set when the key does not exist (SET NX). Returns false when it existed. */
  onlyIfAbsent?: boolean;
}

export interface ScoredMember {
  member: string;
  score: number;
}

export interface KeyValueStore {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | null>;
  mget(keys: readonly string[]): Promise<Array<string | null>>;
  set(key: string, value: string, opts?: SetOptions): Promise<boolean>;
  /** Deletes and returns the value atomically (single-use tokens). */
  take(key: string): Promise<string | null>;
  del(...keys: string[]): Promise<number>;
  /** Increments a counter; the TTL is applied when the counter is created. */
  incr(key: string, ttlMs?: number): Promise<number>;
  /** Remaining TTL in ms; -1 when the key has none, -2 when it does not exist. */
  ttl(key: string): Promise<number>;
  expire(key: string, ttlMs: number): Promise<boolean>;
  /**
   * Atomically replaces `key` when its current value equals `expected` (null: absent).
   * `value` null deletes. Returns whether the swap happened. The building block for
   * refresh-token rotation without races.
   */
  compareAndSet(key: string, expected: string | null, value: string | null, opts?: { ttlMs?: number }): Promise<boolean>;

  setAdd(key: string, members: readonly string[], ttlMs?: number): Promise<void>;
  setRemove(key: string, members: readonly string[]): Promise<void>;
  setMembers(key: string): Promise<string[]>;

  hashSet(key: string, fields: Record<string, string>, ttlMs?: number): Promise<void>;
  hashGetAll(key: string): Promise<Record<string, string>>;
  hashDel(key: string, fields: readonly string[]): Promise<void>;

  /** Sorted sets, used for time-bounded lists (score = expiry in ms). */
  zAdd(key: string, member: string, score: number): Promise<void>;
  zRangeByScore(key: string, min: number, max: number): Promise<ScoredMember[]>;
  zRemRangeByScore(key: string, min: number, max: number): Promise<number>;
  zRemove(key: string, members: readonly string[]): Promise<void>;

  /** Throws SERVICE_UNAVAILABLE when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
