import { hash } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { AccessTokenVerifier, Clock } from '@gatehouse/shared';
import { principalFromClaims, type AuthPrincipal } from '../domain/principal.js';
import type { AuthCache } from './auth-cache.js';
import { parseAuthorization, type AuthInput, type Authenticator } from './authenticator.js';

/**
 * Bearer JWT access tokens, verified locally (cached JWKS, never a call per request). Verified
 * tokens are cached by their SHA-256 (base64url) until they expire. `issuers` lets several instances share the
 * chain (the own issuer now, trusted external OIDC issuers later): a token whose unverified `iss`
 * is not one of them falls through to the next authenticator.
 */
export function createBearerAuthenticator(opts: {
  verify: AccessTokenVerifier;
  cache: AuthCache;
  clock: Clock;
  issuers?: string[];
  method?: string;
}): Authenticator {
  const method = opts.method ?? 'bearer';
  return {
    method,
    scheme: 'Bearer',
    async authenticate(input: AuthInput): Promise<AuthPrincipal | null> {
      const a = parseAuthorization(input.authorization);
      if (!a || a.scheme !== 'bearer') return null;
      if (opts.issuers) {
        let iss: unknown;
        try {
          iss = decodeJwt(a.value).iss;
        } catch {
          iss = undefined;
        }
        if (typeof iss !== 'string' || !opts.issuers.includes(iss)) return null;
      }
      // One-shot digest (no Hash object per request); the key is never the token itself.
      const key = hash('sha256', a.value, 'base64url');
      const hit = opts.cache.get(key);
      if (hit) return hit;
      const p = principalFromClaims(await opts.verify(a.value));
      if (method !== 'bearer') p.identity.auth_method = method;
      opts.cache.set(key, p, p.expiresAtMs);
      return p;
    },
  };
}
