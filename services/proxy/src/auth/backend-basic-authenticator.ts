import { hmacSha256, type Clock, type Principal__Output } from '@gatehouse/shared';
import { principalFromMessage, type AuthPrincipal } from '../domain/principal.js';
import type { AuthCache } from './auth-cache.js';
import { parseBasic, type AuthInput, type Authenticator } from './authenticator.js';
import { backendError } from './backend-errors.js';

export interface BasicCredentials {
  username: string;
  password: string;
}

/** Where successes are kept: the shared Basic cache, its HMAC key and how long an entry lives. */
export interface BasicCacheOptions {
  cache: AuthCache;
  cacheKey: Buffer;
  ttlMs: number;
  clock: Clock;
}

/**
 * HTTP Basic credentials that an auth service decides on (auth-basic for passwords, auth-app for
 * app tokens). Successes are cached for `ttlMs` under an HMAC of method, username and password,
 * never the password itself; a backend that cannot answer fails closed (backendError).
 */
export function createBackendBasicAuthenticator(
  opts: BasicCacheOptions & {
    method: string;
    /** Which Basic credentials are this authenticator's (the others fall through). */
    accepts(b: BasicCredentials): boolean;
    /** Asks the backend; throws its GatehouseError for bad credentials. */
    check(b: BasicCredentials, ip: string): Promise<Principal__Output>;
    /** The backend's name, for the fail-closed error. */
    backend: string;
    /** The principal's amr from the one the backend answered. */
    amr(given: string[]): string[];
  },
): Authenticator {
  return {
    method: opts.method,
    scheme: 'Basic',
    async authenticate(input: AuthInput): Promise<AuthPrincipal | null> {
      const b = parseBasic(input.authorization);
      if (!b || !opts.accepts(b)) return null;
      const key = hmacSha256(opts.cacheKey, `${opts.method}\0${b.username}\0${b.password}`);
      const hit = opts.cache.get(key);
      if (hit) return hit;
      let msg;
      try {
        msg = await opts.check(b, input.ip);
      } catch (err) {
        throw backendError(err, opts.backend);
      }
      const now = opts.clock.now();
      const p = principalFromMessage(msg, opts.method, now);
      p.identity.amr = opts.amr(p.identity.amr);
      opts.cache.set(key, p, now + opts.ttlMs);
      return p;
    },
  };
}
