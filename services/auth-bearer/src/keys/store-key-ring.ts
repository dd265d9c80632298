import type { JWK } from 'jose';
import type { Clock } from '@gatehouse/shared/clock';
import { GatehouseError } from '@gatehouse/shared/errors';
import type { KeySource } from '@gatehouse/shared/jwt';
import type { KeyValueStore } from '@gatehouse/shared/store';
import type { SigningAlg, SigningKey, SigningKeys } from '../domain/ports.js';
import { KeyRecords, type StoredKey } from './key-records.js';
import { KeySealer } from './key-sealer.js';
import { generateSigningKey, isPublished, signingJwksOf, signingKeyFromPem } from './signing-key.js';

export interface StoreKeyRingOptions {
  store: KeyValueStore;
  clock: Clock;
  /** GATEHOUSE_SECRET: private keys are sealed with a key derived from it. */
  secret: string;
  alg: SigningAlg;
  /** How long a retired key stays published: the longest token lifetime plus skew plus the cache TTL. */
  retentionMs: number;
  /** How long an instance trusts its cached view of the keys. */
  cacheTtlMs: number;
}

/** An unknown kid reloads the keys at most this often (a flood of forged kids cannot hammer the store). */
const MISS_RELOAD_INTERVAL_MS = 1000;

/**
 * Keys shared by every instance through the store: one active key signs, retired keys stay
 * published until every token they signed has expired. Each instance caches its view for
 * `cacheTtlMs` (or until a keys-rotated event invalidates it); the first key is created race-free.
 */
export class StoreKeyRing implements SigningKeys {
  private readonly records: KeyRecords;
  private readonly sealer: KeySealer;
  private readonly cache = new Map<string, SigningKey>();
  private activeKid: string | undefined;
  private loadedAt = -Infinity;
  private lastMissReload = -Infinity;
  private inflight: Promise<void> | undefined;

  constructor(private readonly opts: StoreKeyRingOptions) {
    this.records = new KeyRecords(opts.store);
    this.sealer = new KeySealer(opts.secret);
  }

  /** Loads (or, the first time ever, creates) the keys. */
  async init(): Promise<void> {
    if ((await this.records.activeKid()) === null) await this.records.adoptLegacy();
    if ((await this.records.activeKid()) === null) {
      const created = await this.createKey();
      // Two instances starting together: only one key becomes active, the other is discarded.
      if (!(await this.records.claimFirstActive(created.kid))) await this.records.remove(created.kid);
    }
    await this.reload();
  }

  /** Forget the cached view (a rotation happened elsewhere). */
  invalidate(): void {
    this.loadedAt = -Infinity;
  }

  private async ensureFresh(): Promise<void> {
    if (this.opts.clock.now() - this.loadedAt < this.opts.cacheTtlMs && this.activeKid) return;
    await this.reload();
  }

  private reload(): Promise<void> {
    this.inflight ??= (async () => {
      try {
        const { active, records } = await this.records.readAll();
        const seen = new Set<string>();
        for (const rec of records) {
          seen.add(rec.kid);
          const have = this.cache.get(rec.kid);
          if (have) have.expiresAt = rec.expires_at;
          else this.cache.set(rec.kid, await this.unseal(rec));
        }
        for (const kid of [...this.cache.keys()]) if (!seen.has(kid)) this.cache.delete(kid);
        if (!active || !this.cache.has(active))
          throw new GatehouseError('SERVICE_UNAVAILABLE', { detail: 'no active signing key in the store', retryAfter: 1 });
        this.activeKid = active;
        this.loadedAt = this.opts.clock.now();
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }

  private async unseal(rec: StoredKey): Promise<SigningKey> {
    const key = await signingKeyFromPem(this.sealer.unseal(rec.sealed, rec.kid), rec.alg, rec.kid);
    key.expiresAt = rec.expires_at;
    return key;
  }

  private async createKey(): Promise<SigningKey> {
    const { key, pem } = await generateSigningKey(this.opts.alg);
    await this.records.add({ kid: key.kid, alg: key.alg, created_at: this.opts.clock.now(), sealed: this.sealer.seal(pem, key.kid) });
    return key;
  }

  /** The key new tokens are signed with. */
  async active(): Promise<SigningKey> {
    await this.ensureFresh();
    return this.cache.get(this.activeKid!)!;
  }

  /** The public keys verifiers must accept now: the active key and retired keys still within their window. */
  async jwks(): Promise<{ keys: JWK[] }> {
    await this.ensureFresh();
    const now = this.opts.clock.now();
    return { keys: [...this.cache.values()].filter((k) => isPublished(k, now)).map((k) => k.publicJwk) };
  }

  /** The published keys with their private parts, the active key first (see signingJwksOf). */
  async signingJwks(): Promise<{ version: string; keys: JWK[] }> {
    const active = await this.active();
    const now = this.opts.clock.now();
    return signingJwksOf(
      active,
      [...this.cache.values()].filter((k) => isPublished(k, now)),
    );
  }

  /**
   * Makes a new active key; the previous one is retired and stays published for the retention
   * window. Returns the new kid and every kid still published.
   */
  async rotate(): Promise<{ kid: string; published: string[] }> {
    const created = await this.createKey();
    const previous = await this.records.swapActive(created.kid);
    if (previous) await this.records.retire(previous, this.opts.clock.now(), this.opts.retentionMs);
    await this.records.pruneExpired(this.opts.clock.now());
    this.invalidate();
    const { keys } = await this.jwks();
    return { kid: created.kid, published: keys.map((k) => k.kid!) };
  }

  /** Only published keys, looked up by kid; an unknown kid reloads at most once a second. */
  keySource(): KeySource {
    return {
      getKey: async (kid, alg) => {
        if (!kid) return undefined;
        await this.ensureFresh();
        let k = this.cache.get(kid);
        const now = this.opts.clock.now();
        if (!k && now - this.lastMissReload > MISS_RELOAD_INTERVAL_MS) {
          this.lastMissReload = now;
          await this.reload();
          k = this.cache.get(kid);
        }
        return k && k.alg === alg && isPublished(k, now) ? k.publicKey : undefined;
      },
    };
  }
}
