import { importJWK, type CryptoKey, type JWK, type JSONWebKeySet } from 'jose';
import { GatehouseError } from '../errors.js';

/** Where a verifier finds public keys. `kid` is only a lookup key: nothing in the token is fetched. */
export interface KeySource {
  getKey(kid: string | undefined, alg: string): Promise<CryptoKey | undefined>;
}

/**
 * Whether a JWK may verify signatures with `alg`: public material only, `use` absent or `sig`,
 * `key_ops` absent or containing `verify`, and an explicit `alg` equal to the token's (one key, one
 * algorithm: RFC 8725 §3.1). Anything else is not a verification key.
 */
export function isVerificationJwk(jwk: JWK, alg?: string): boolean {
  if (!jwk.alg || (alg !== undefined && jwk.alg !== alg)) return false;
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return false;
  if ('d' in jwk || 'k' in jwk || jwk.kty === 'oct') return false; // never private or symmetric material
  return true;
}

async function importSet(jwks: JSONWebKeySet): Promise<Map<string, { alg: string; key: CryptoKey }>> {
  const out = new Map<string, { alg: string; key: CryptoKey }>();
  for (const jwk of Array.isArray(jwks?.keys) ? jwks.keys : []) {
    if (!jwk.kid || !isVerificationJwk(jwk)) continue;
    try {
      out.set(jwk.kid, { alg: jwk.alg!, key: (await importJWK(jwk, jwk.alg)) as CryptoKey });
    } catch {
      // skip keys this runtime cannot import (unknown alg, malformed material)
    }
  }
  return out;
}

/** A fixed set of keys (tests, or keys loaded from files). */
export class StaticKeySource implements KeySource {
  private keys: Promise<Map<string, { alg: string; key: CryptoKey }>>;
  constructor(jwks: JSONWebKeySet) {
    this.keys = importSet(jwks);
  }
  replace(jwks: JSONWebKeySet): void {
    this.keys = importSet(jwks);
  }
  async getKey(kid: string | undefined, alg: string): Promise<CryptoKey | undefined> {
    if (!kid) return undefined;
    const k = (await this.keys).get(kid);
    return k && k.alg === alg ? k.key : undefined;
  }
}

export interface RemoteKeySourceOptions {
  /**
   * The issuer's JWKS URL (configured or discovered, never taken from a token). A function is
   * called at each fetch: a jwks_uri from discovery, resolved lazily so that an IdP down at
   * start delays nothing.
   */
  url: string | (() => Promise<string>);
  /** Minimum time between refetches triggered by unknown kids (default 30 s). */
  cooldownMs?: number;
  /** Refetch at least this often (default 5 min). */
  maxAgeMs?: number;
  timeoutMs?: number;
  /**
   * Once the keys are older than maxAgeMs, a token with a known kid waits at most this long for the
   * refetch (default 500 ms); past it the stale keys serve while the endpoint is slow. A prompt
   * answer without the kid refuses it: a removed key stops verifying once maxAgeMs has passed.
   */
  staleWaitMs?: number;
  fetch?: typeof fetch;
}

/**
 * A JWKS fetched from a configured URL and cached. An unknown kid triggers at most one refetch per
 * cooldown, so a flood of tokens with random kids cannot turn into a flood of fetches; while the
 * endpoint fails, the last keys keep serving and it is retried at most once per cooldown.
 * Keys older than maxAgeMs are refetched; a known kid meanwhile waits at most staleWaitMs (stale keys
 * serve while the endpoint is slow), an unknown kid waits for the answer (one fetch in flight).
 * `refresh()` is called on a key-rotation event so verifiers pick new keys up at once.
 */
export class RemoteKeySource implements KeySource {
  private keys = new Map<string, { alg: string; key: CryptoKey }>();
  private fetchedAt = 0;
  /** Last fetch attempt, failed ones included: a failing JWKS endpoint is retried once per cooldown. */
  private attemptedAt = 0;
  private inflight: Promise<void> | undefined;
  private readonly opts: Required<Omit<RemoteKeySourceOptions, 'fetch'>> & { fetch: typeof fetch };

  constructor(opts: RemoteKeySourceOptions) {
    this.opts = { cooldownMs: 30_000, maxAgeMs: 300_000, timeoutMs: 2000, staleWaitMs: 500, fetch: globalThis.fetch, ...opts };
  }

  /** Fetches now (coalescing concurrent calls). */
  refresh(): Promise<void> {
    this.inflight ??= (async () => {
      this.attemptedAt = Date.now();
      try {
        const url = typeof this.opts.url === 'string' ? this.opts.url : await this.opts.url();
        const res = await this.opts.fetch(url, { signal: AbortSignal.timeout(this.opts.timeoutMs), redirect: 'error' });
        if (!res.ok) throw new Error(`JWKS ${url} answered ${res.status}`);
        const body = (await res.json()) as JSONWebKeySet;
        if (!body || !Array.isArray(body.keys)) throw new Error('JWKS has no keys array');
        this.keys = await importSet(body);
        this.fetchedAt = Date.now();
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }

  get loaded(): boolean {
    return this.fetchedAt > 0;
  }

  async getKey(kid: string | undefined, alg: string): Promise<CryptoKey | undefined> {
    if (!kid) return undefined;
    const now = Date.now();
    if (this.fetchedAt === 0) {
      try {
        await this.refresh();
      } catch (err) {
        throw new GatehouseError('SERVICE_UNAVAILABLE', { detail: `jwks: ${(err as Error).message}`, retryAfter: 1 });
      }
    } else {
      const age = now - this.fetchedAt;
      const known = this.keys.has(kid);
      const due = age > this.opts.maxAgeMs || (!known && age >= this.opts.cooldownMs);
      if (due && (this.inflight !== undefined || now - this.attemptedAt >= this.opts.cooldownMs)) {
        const fetched = this.refresh().catch(() => undefined); // a failure keeps the last keys
        if (known) await withinMs(fetched, this.opts.staleWaitMs);
        else await fetched;
      }
    }
    const k = this.keys.get(kid);
    return k && k.alg === alg ? k.key : undefined;
  }
}

/** Resolves when `p` settles or after `ms`, whichever comes first. */
async function withinMs(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    p,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
