import { readFileSync } from 'node:fs';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importPKCS8, type CryptoKey, type JWK } from 'jose';
import { LRUCache } from 'lru-cache';
import { sha256, signIdentity, type Clock, type Identity } from '@gatehouse/shared';

export interface IdentityKey {
  privateKey: CryptoKey;
  kid: string;
  alg: string;
  publicJwk: JWK;
}

/** The proxy's signing key: a PKCS#8 PEM file, or a key generated at start. */
export async function loadIdentityKey(alg: string, pemFile?: string): Promise<IdentityKey> {
  let privateKey: CryptoKey;
  let publicJwk: JWK;
  if (pemFile) {
    try {
      privateKey = await importPKCS8(readFileSync(pemFile, 'utf8'), alg, { extractable: true });
    } catch (err) {
      throw new Error(`PROXY_IDENTITY_KEY_FILE: not a readable PKCS#8 PEM private key for ${alg} (${(err as Error).message})`, {
        cause: err,
      });
    }
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = await exportJWK(privateKey);
    publicJwk = pub;
  } else {
    const pair = await generateKeyPair(alg, { extractable: true });
    privateKey = pair.privateKey;
    publicJwk = await exportJWK(pair.publicKey);
  }
  const kid = await calculateJwkThumbprint(publicJwk);
  return { privateKey, kid, alg, publicJwk: { ...publicJwk, kid, alg, use: 'sig' } };
}

type Signed = { token: string; reuseUntil: number };

/**
 * Signs X-Gatehouse-Identity headers, each for one destination: `aud` is the route's upstream name,
 * so a header one upstream receives is refused by every other. A (principal, upstream) header is
 * reused until 90% of its lifetime, so the signing cost is paid once per principal and upstream per
 * TTL, not per request.
 */
export class IdentitySigner {
  private readonly cache: LRUCache<string, Signed>;
  /**
   * The same entries by identity object, then upstream: a cached authentication hands out the same
   * Identity on every hit, so the common case skips serializing and hashing it. Identities are not
   * mutated once authenticated; entries go when the identity object does.
   */
  private readonly byObject = new WeakMap<Identity, Map<string, Signed>>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly key: IdentityKey,
    private readonly ttlSec: number,
    private readonly clock: Clock,
    maxEntries: number,
  ) {
    this.cache = new LRUCache({ max: Math.max(1, maxEntries) });
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.key.publicJwk] };
  }

  /** The header for `identity` at `audience` (the upstream's name in the routes). */
  async sign(identity: Identity, audience: string): Promise<string> {
    const now = this.clock.now();
    let mine = this.byObject.get(identity);
    const same = mine?.get(audience);
    if (same && same.reuseUntil > now) {
      this.hits++;
      return same.token;
    }
    if (!mine) {
      mine = new Map();
      this.byObject.set(identity, mine);
    }
    const id = sha256(`${audience}\n${JSON.stringify(identity)}`);
    const hit = this.cache.get(id);
    if (hit && hit.reuseUntil > now) {
      this.hits++;
      mine.set(audience, hit);
      return hit.token;
    }
    this.misses++;
    const token = await signIdentity(identity, this.key, this.ttlSec, this.clock, audience);
    const entry = { token, reuseUntil: now + this.ttlSec * 900 };
    this.cache.set(id, entry);
    mine.set(audience, entry);
    return token;
  }
}
