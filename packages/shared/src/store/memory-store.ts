import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { KeyValueStore, ScoredMember, SetOptions } from './store.js';

type Value =
  | { kind: 'string'; v: string }
  | { kind: 'set'; v: Set<string> }
  | { kind: 'hash'; v: Map<string, string> }
  | { kind: 'zset'; v: Map<string, number> };
interface Entry {
  value: Value;
  expiresAt?: number;
}

/**
 * In-process implementation for the embedded default and unit tests. Expiry is lazy
 * (checked on access) plus a periodic sweep so memory stays bounded.
 */
export class MemoryStore implements KeyValueStore {
  readonly kind = 'memory' as const;
  private readonly data = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly clock: Clock = systemClock,
    sweepEveryMs = 30_000,
  ) {
    this.sweeper = setInterval(() => this.sweep(), sweepEveryMs);
    this.sweeper.unref();
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [k, e] of this.data) if (e.expiresAt !== undefined && e.expiresAt <= now) this.data.delete(k);
  }

  private entry(key: string): Entry | undefined {
    const e = this.data.get(key);
    if (e?.expiresAt !== undefined && e.expiresAt <= this.clock.now()) {
      this.data.delete(key);
      return undefined;
    }
    return e;
  }

  private typed<K extends Value['kind']>(key: string, kind: K, create: boolean): Extract<Value, { kind: K }> | undefined {
    const e = this.entry(key);
    if (e) {
      if (e.value.kind !== kind) throw new Error(`WRONGTYPE key ${key} holds ${e.value.kind}`);
      return e.value as Extract<Value, { kind: K }>;
    }
    if (!create) return undefined;
    const v = (kind === 'string' ? { kind, v: '' } : kind === 'set' ? { kind, v: new Set() } : { kind, v: new Map() }) as Extract<
      Value,
      { kind: K }
    >;
    this.data.set(key, { value: v });
    return v;
  }

  private applyTtl(key: string, ttlMs: number | undefined): void {
    const e = this.data.get(key);
    if (e && ttlMs !== undefined) e.expiresAt = this.clock.now() + ttlMs;
  }

  // Reads and writes below are synchronous between the check and the change, so each
  // operation is atomic with respect to other callers, as a Redis command is.
  private getSync(key: string): string | null {
    return this.typed(key, 'string', false)?.v ?? null;
  }

  private setSync(key: string, value: string, ttlMs?: number): void {
    this.data.set(key, { value: { kind: 'string', v: value }, ...(ttlMs !== undefined ? { expiresAt: this.clock.now() + ttlMs } : {}) });
  }

  async get(key: string): Promise<string | null> {
    return this.getSync(key);
  }

  async mget(keys: readonly string[]): Promise<Array<string | null>> {
    return Promise.all(keys.map((k) => this.get(k)));
  }

  async set(key: string, value: string, opts: SetOptions = {}): Promise<boolean> {
    if (opts.onlyIfAbsent && this.entry(key)) return false;
    this.setSync(key, value, opts.ttlMs);
    return true;
  }

  async take(key: string): Promise<string | null> {
    const v = this.getSync(key);
    if (v !== null) this.data.delete(key);
    return v;
  }

  async del(...keys: string[]): Promise<number> {
    let n = 0;
    for (const k of keys) if (this.entry(k) && this.data.delete(k)) n++;
    return n;
  }

  async incr(key: string, ttlMs?: number): Promise<number> {
    const existed = this.entry(key) !== undefined;
    const s = this.typed(key, 'string', true)!;
    const next = (Number(s.v) || 0) + 1;
    s.v = String(next);
    if (!existed) this.applyTtl(key, ttlMs);
    return next;
  }

  async ttl(key: string): Promise<number> {
    const e = this.entry(key);
    if (!e) return -2;
    return e.expiresAt === undefined ? -1 : e.expiresAt - this.clock.now();
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    if (!this.entry(key)) return false;
    this.applyTtl(key, ttlMs);
    return true;
  }

  async compareAndSet(key: string, expected: string | null, value: string | null, opts: { ttlMs?: number } = {}): Promise<boolean> {
    const current = this.getSync(key);
    if (current !== expected) return false;
    if (value === null) this.data.delete(key);
    else this.setSync(key, value, opts.ttlMs);
    return true;
  }

  async setAdd(key: string, members: readonly string[], ttlMs?: number): Promise<void> {
    const s = this.typed(key, 'set', true)!;
    for (const m of members) s.v.add(m);
    this.applyTtl(key, ttlMs);
  }

  async setRemove(key: string, members: readonly string[]): Promise<void> {
    const s = this.typed(key, 'set', false);
    if (!s) return;
    for (const m of members) s.v.delete(m);
    if (s.v.size === 0) this.data.delete(key);
  }

  async setMembers(key: string): Promise<string[]> {
    return [...(this.typed(key, 'set', false)?.v ?? [])];
  }

  async hashSet(key: string, fields: Record<string, string>, ttlMs?: number): Promise<void> {
    const h = this.typed(key, 'hash', true)!;
    for (const [f, v] of Object.entries(fields)) h.v.set(f, v);
    this.applyTtl(key, ttlMs);
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    return Object.fromEntries(this.typed(key, 'hash', false)?.v ?? []);
  }

  async hashDel(key: string, fields: readonly string[]): Promise<void> {
    const h = this.typed(key, 'hash', false);
    if (!h) return;
    for (const f of fields) h.v.delete(f);
    if (h.v.size === 0) this.data.delete(key);
  }

  async zAdd(key: string, member: string, score: number): Promise<void> {
    this.typed(key, 'zset', true)!.v.set(member, score);
  }

  async zRangeByScore(key: string, min: number, max: number): Promise<ScoredMember[]> {
    const z = this.typed(key, 'zset', false);
    if (!z) return [];
    return [...z.v]
      .filter(([, s]) => s >= min && s <= max)
      .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
      .map(([member, score]) => ({ member, score }));
  }

  async zRemRangeByScore(key: string, min: number, max: number): Promise<number> {
    const z = this.typed(key, 'zset', false);
    if (!z) return 0;
    let n = 0;
    for (const [m, s] of z.v) if (s >= min && s <= max && z.v.delete(m)) n++;
    if (z.v.size === 0) this.data.delete(key);
    return n;
  }

  async zRemove(key: string, members: readonly string[]): Promise<void> {
    const z = this.typed(key, 'zset', false);
    if (!z) return;
    for (const m of members) z.v.delete(m);
    if (z.v.size === 0) this.data.delete(key);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }
}
