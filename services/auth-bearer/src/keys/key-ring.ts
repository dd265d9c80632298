import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { exportJWK, exportPKCS8, generateKeyPair, importJWK, importPKCS8, calculateJwkThumbprint, type CryptoKey, type JWK } from 'jose';
import { GatehouseError, decrypt, deriveKey, encrypt, type Clock, type KeySource, type KeyValueStore } from '@gatehouse/shared';

export type SigningAlg = 'ES256' | 'RS256' | 'EdDSA';

/** What is kept per key in the store (`bearer:{keyring}:key:<kid>`): the private key sealed with GATEHOUSE_SECRET. */
interface StoredKey {
  kid: string;
  alg: SigningAlg;
  created_at: number;
  /** Set when a newer key became active. */
  retired_at?: number;
  /** After this the key is no longer published (every token it signed has expired). */
  expires_at?: number;
  sealed: string;
}

interface LoadedKey {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
  expiresAt: number | undefined;
}

export interface KeyRingOptions {
  store: KeyValueStore;
  clock: Clock;
  /** GATEHOUSE_SECRET: private keys are sealed with a key derived from it. */
  secret: string;
  alg: SigningAlg;
  /** A PKCS#8 PEM key from configuration: then it is the only key and rotation is refused. */
  pem?: string | undefined;
  /** How long a retired key stays published: the longest token lifetime plus skew plus the cache TTL. */
  retentionMs: number;
  /** How long an instance trusts its cached view of the keys. */
  cacheTtlMs: number;
}

// One Redis Cluster hash tag for the whole ring: the MGET of the active kid and every key is a
// consistent snapshot only when one server holds them all (a rotation between two per-slot reads
// could name an active kid the ring did not load).
const KEYS_SET = 'bearer:{keyring}:keys';
const ACTIVE = 'bearer:{keyring}:active';
const keyKey = (kid: string) => `bearer:{keyring}:key:${kid}`;
/** The names before the hash tag: read once at start to adopt the keys (adoptLegacyKeys). */
const LEGACY = { set: 'bearer:keys', active: 'bearer:active-key', key: (kid: string) => `bearer:key:${kid}` } as const;
/** The store keys of the ring (tests check they share one Cluster hash slot). */
export const KEY_RING_KEYS = { set: KEYS_SET, active: ACTIVE, key: keyKey } as const;

/**
 * The signing keys: one active key signs, retired keys stay published until every token they signed
 * has expired. Keys live in the store sealed with a key derived from GATEHOUSE_SECRET, so every
 * instance signs with the same key; the first key is created race-free (set-if-absent).
 */
export class KeyRing {
  private readonly sealKey: Buffer;
  private readonly cache = new Map<string, LoadedKey>();
  private activeKid: string | undefined;
  private loadedAt = -Infinity;
  private lastMissReload = -Infinity;
  private inflight: Promise<void> | undefined;
  private fileKey: LoadedKey | undefined;

  constructor(private readonly opts: KeyRingOptions) {
    this.sealKey = deriveKey(opts.secret, 'signing-keys');
  }

  get fromFile(): boolean {
    return this.opts.pem !== undefined;
  }

  /** Loads (or, the first time ever, creates) the keys. */
  async init(): Promise<void> {
    if (this.opts.pem !== undefined) {
      this.fileKey = await loadPem(this.opts.pem, this.opts.alg);
      return;
    }
    if ((await this.opts.store.get(ACTIVE)) === null) await this.adoptLegacyKeys();
    if ((await this.opts.store.get(ACTIVE)) === null) {
      const created = await this.createKey();
      // Two instances starting together: only one key becomes active, the other is discarded.
      if (!(await this.opts.store.set(ACTIVE, created.kid, { onlyIfAbsent: true }))) {
        await this.opts.store.del(keyKey(created.kid));
        await this.opts.store.setRemove(KEYS_SET, [created.kid]);
      }
    }
    await this.reload();
  }

  /**
   * Keys stored before the ring got its Cluster hash tag (`bearer:active-key`, `bearer:keys`,
   * `bearer:key:<kid>`) are copied under the new names, so upgraded instances keep signing with the
   * key the others use and a rolling upgrade invalidates no token. The old names stay for
   * instances not yet upgraded (a few hundred bytes, left as they are).
   */
  private async adoptLegacyKeys(): Promise<void> {
    const { store } = this.opts;
    const active = await store.get(LEGACY.active);
    if (active === null) return;
    const kids = await store.setMembers(LEGACY.set);
    const raws = await store.mget(kids.map(LEGACY.key));
    for (const [i, raw] of raws.entries()) {
      if (raw === null) continue;
      await store.set(keyKey(kids[i]!), raw, { onlyIfAbsent: true });
      await store.setAdd(KEYS_SET, [kids[i]!]);
    }
    if (raws[kids.indexOf(active)]) await store.set(ACTIVE, active, { onlyIfAbsent: true });
  }

  /** Forget the cached view (a rotation happened elsewhere). */
  invalidate(): void {
    this.loadedAt = -Infinity;
  }

  private async ensureFresh(): Promise<void> {
    if (this.fileKey) return;
    if (this.opts.clock.now() - this.loadedAt < this.opts.cacheTtlMs && this.activeKid) return;
    await this.reload();
  }

  private reload(): Promise<void> {
    this.inflight ??= (async () => {
      try {
        const { store } = this.opts;
        const kids = await store.setMembers(KEYS_SET);
        const [active, ...raws] = await store.mget([ACTIVE, ...kids.map(keyKey)]);
        const seen = new Set<string>();
        for (const raw of raws) {
          if (!raw) continue;
          const rec = JSON.parse(raw) as StoredKey;
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

  private async unseal(rec: StoredKey): Promise<LoadedKey> {
    const pem = decrypt(this.sealKey, rec.sealed, rec.kid).toString('utf8');
    const loaded = await loadPem(pem, rec.alg, rec.kid);
    loaded.expiresAt = rec.expires_at;
    return loaded;
  }

  private async createKey(): Promise<LoadedKey> {
    const { privateKey, publicKey } = await generateKeyPair(this.opts.alg, { extractable: true });
    const kid = randomUUID();
    const pem = await exportPKCS8(privateKey);
    const rec: StoredKey = { kid, alg: this.opts.alg, created_at: this.opts.clock.now(), sealed: encrypt(this.sealKey, pem, kid) };
    await this.opts.store.set(keyKey(kid), JSON.stringify(rec));
    await this.opts.store.setAdd(KEYS_SET, [kid]);
    return {
      kid,
      alg: this.opts.alg,
      privateKey,
      publicKey,
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg: this.opts.alg, use: 'sig' },
      expiresAt: undefined,
    };
  }

  /** The key new tokens are signed with. */
  async active(): Promise<LoadedKey> {
    if (this.fileKey) return this.fileKey;
    await this.ensureFresh();
    return this.cache.get(this.activeKid!)!;
  }

  private isPublished(k: LoadedKey): boolean {
    return k.expiresAt === undefined || k.expiresAt > this.opts.clock.now();
  }

  /** The public keys verifiers must accept now: the active key and retired keys still within their window. */
  async jwks(): Promise<{ keys: JWK[] }> {
    if (this.fileKey) return { keys: [this.fileKey.publicJwk] };
    await this.ensureFresh();
    return { keys: [...this.cache.values()].filter((k) => this.isPublished(k)).map((k) => k.publicJwk) };
  }

  /**
   * Makes a new active key; the previous one is retired and stays published for the retention
   * window. Returns the new kid and every kid still published.
   */
  async rotate(): Promise<{ kid: string; published: string[] }> {
    if (this.fileKey)
      throw new GatehouseError('INVALID_REQUEST', { message: 'The signing key is loaded from a file; rotate it by replacing the file.' });
    const { store } = this.opts;
    const created = await this.createKey();
    for (let attempt = 0; ; attempt++) {
      const previous = await store.get(ACTIVE);
      if (await store.compareAndSet(ACTIVE, previous, created.kid)) {
        if (previous) await this.retire(previous);
        break;
      }
      if (attempt >= 5) throw new GatehouseError('SERVICE_UNAVAILABLE', { detail: 'key rotation kept racing', retryAfter: 1 });
    }
    await this.pruneExpired();
    this.invalidate();
    const { keys } = await this.jwks();
    return { kid: created.kid, published: keys.map((k) => k.kid!) };
  }

  private async retire(kid: string): Promise<void> {
    const { store, clock } = this.opts;
    for (let attempt = 0; attempt < 5; attempt++) {
      const raw = await store.get(keyKey(kid));
      if (!raw) return;
      const rec = JSON.parse(raw) as StoredKey;
      if (rec.retired_at !== undefined) return;
      const now = clock.now();
      const next: StoredKey = { ...rec, retired_at: now, expires_at: now + this.opts.retentionMs };
      if (await store.compareAndSet(keyKey(kid), raw, JSON.stringify(next))) return;
    }
  }

  /** Deletes keys whose window has passed, so they drop out of every instance's JWKS. */
  private async pruneExpired(): Promise<void> {
    const { store, clock } = this.opts;
    const kids = await store.setMembers(KEYS_SET);
    const raws = await store.mget(kids.map(keyKey));
    const now = clock.now();
    const gone = kids.filter((_, i) => {
      const raw = raws[i];
      if (!raw) return true;
      const rec = JSON.parse(raw) as StoredKey;
      return rec.expires_at !== undefined && rec.expires_at <= now;
    });
    if (gone.length > 0) {
      await store.del(...gone.map(keyKey));
      await store.setRemove(KEYS_SET, gone);
    }
  }

  /**
   * Verification keys for tokens this service issued (VerifyToken, introspection): only published
   * keys, looked up by kid; an unknown kid causes at most one reload per second.
   */
  keySource(): KeySource {
    return {
      getKey: async (kid, alg) => {
        if (!kid) return undefined;
        if (this.fileKey) return this.fileKey.kid === kid && this.fileKey.alg === alg ? this.fileKey.publicKey : undefined;
        await this.ensureFresh();
        let k = this.cache.get(kid);
        const now = this.opts.clock.now();
        if (!k && now - this.lastMissReload > 1000) {
          this.lastMissReload = now;
          await this.reload();
          k = this.cache.get(kid);
        }
        return k && k.alg === alg && this.isPublished(k) ? k.publicKey : undefined;
      },
    };
  }
}

async function loadPem(pem: string, alg: SigningAlg, kid?: string): Promise<LoadedKey> {
  let privateKey: CryptoKey;
  let publicJwk: JWK;
  try {
    privateKey = await importPKCS8(pem, alg, { extractable: false });
    publicJwk = createPublicKey(createPrivateKey(pem)).export({ format: 'jwk' });
  } catch (err) {
    throw new Error(`signing key is not a PKCS#8 PEM ${alg} private key: ${(err as Error).message}`, { cause: err });
  }
  const id = kid ?? (await calculateJwkThumbprint(publicJwk));
  const jwk: JWK = { ...publicJwk, kid: id, alg, use: 'sig' };
  return { kid: id, alg, privateKey, publicKey: (await importJWK(jwk, alg)) as CryptoKey, publicJwk: jwk, expiresAt: undefined };
}
