import { GatehouseError } from '@gatehouse/shared/errors';
import type { KeyValueStore } from '@gatehouse/shared/store';
import type { SigningAlg } from '../domain/ports.js';

/** What is kept per key in the store (`bearer:{keyring}:key:<kid>`): the private key sealed with GATEHOUSE_SECRET. */
export interface StoredKey {
  kid: string;
  alg: SigningAlg;
  created_at: number;
  /** Set when a newer key became active. */
  retired_at?: number;
  /** After this the key is no longer published (every token it signed has expired). */
  expires_at?: number;
  sealed: string;
}

// One Redis Cluster hash tag for the whole ring: the MGET of the active kid and every key is a
// consistent snapshot only when one server holds them all (a rotation between two per-slot reads
// could name an active kid the ring did not load).
const KEYS_SET = 'bearer:{keyring}:keys';
const ACTIVE = 'bearer:{keyring}:active';
const keyKey = (kid: string) => `bearer:{keyring}:key:${kid}`;
/** The names before the hash tag: read once at start to adopt the keys (adoptLegacy). */
const LEGACY = { set: 'bearer:keys', active: 'bearer:active-key', key: (kid: string) => `bearer:key:${kid}` } as const;
/** The store keys of the ring (tests check they share one Cluster hash slot). */
export const KEY_RING_KEYS = { set: KEYS_SET, active: ACTIVE, key: keyKey } as const;
const RETRIES = 5;

/** The store layout of the signing keys: one record per kid, the set of kids, the active kid. */
export class KeyRecords {
  constructor(private readonly store: KeyValueStore) {}

  activeKid(): Promise<string | null> {
    return this.store.get(ACTIVE);
  }

  /** The active kid and every record, read together. */
  async readAll(): Promise<{ active: string | null; records: StoredKey[] }> {
    const kids = await this.store.setMembers(KEYS_SET);
    const [active, ...raws] = await this.store.mget([ACTIVE, ...kids.map(keyKey)]);
    return { active: active ?? null, records: raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as StoredKey) };
  }

  async add(rec: StoredKey): Promise<void> {
    await this.store.set(keyKey(rec.kid), JSON.stringify(rec));
    await this.store.setAdd(KEYS_SET, [rec.kid]);
  }

  async remove(...kids: string[]): Promise<void> {
    if (kids.length === 0) return;
    await this.store.del(...kids.map(keyKey));
    await this.store.setRemove(KEYS_SET, kids);
  }

  /**
   * Keys stored before the ring got its Cluster hash tag (`bearer:active-key`, `bearer:keys`,
   * `bearer:key:<kid>`) are copied under the new names, so upgraded instances keep signing with the
   * key the others use and a rolling upgrade invalidates no token. The old names stay for
   * instances not yet upgraded (a few hundred bytes, left as they are).
   */
  async adoptLegacy(): Promise<void> {
    const active = await this.store.get(LEGACY.active);
    if (active === null) return;
    const kids = await this.store.setMembers(LEGACY.set);
    const raws = await this.store.mget(kids.map(LEGACY.key));
    for (const [i, raw] of raws.entries()) {
      if (raw === null) continue;
      await this.store.set(keyKey(kids[i]!), raw, { onlyIfAbsent: true });
      await this.store.setAdd(KEYS_SET, [kids[i]!]);
    }
    if (raws[kids.indexOf(active)]) await this.store.set(ACTIVE, active, { onlyIfAbsent: true });
  }

  /** Makes `kid` active only if no key is (two instances starting together: one wins). */
  claimFirstActive(kid: string): Promise<boolean> {
    return this.store.set(ACTIVE, kid, { onlyIfAbsent: true });
  }

  /** Makes `kid` active; returns the kid it replaced (null: none). Races retry, bounded. */
  async swapActive(kid: string): Promise<string | null> {
    for (let attempt = 0; attempt < RETRIES; attempt++) {
      const previous = await this.store.get(ACTIVE);
      if (await this.store.compareAndSet(ACTIVE, previous, kid)) return previous;
    }
    throw new GatehouseError('SERVICE_UNAVAILABLE', { detail: 'key rotation kept racing', retryAfter: 1 });
  }

  /** Marks a key retired at `now`, published until `now + retentionMs` (once: a retired key keeps its window). */
  async retire(kid: string, now: number, retentionMs: number): Promise<void> {
    for (let attempt = 0; attempt < RETRIES; attempt++) {
      const raw = await this.store.get(keyKey(kid));
      if (!raw) return;
      const rec = JSON.parse(raw) as StoredKey;
      if (rec.retired_at !== undefined) return;
      const next: StoredKey = { ...rec, retired_at: now, expires_at: now + retentionMs };
      if (await this.store.compareAndSet(keyKey(kid), raw, JSON.stringify(next))) return;
    }
  }

  /** Deletes keys whose window has passed (and dangling kids), so they drop out of every instance's JWKS. */
  async pruneExpired(now: number): Promise<void> {
    const kids = await this.store.setMembers(KEYS_SET);
    const raws = await this.store.mget(kids.map(keyKey));
    const gone = kids.filter((_, i) => {
      const raw = raws[i];
      if (!raw) return true;
      const rec = JSON.parse(raw) as StoredKey;
      return rec.expires_at !== undefined && rec.expires_at <= now;
    });
    await this.remove(...gone);
  }
}
