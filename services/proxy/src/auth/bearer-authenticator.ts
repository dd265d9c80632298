import type { AccessTokenVerifier, Clock } from '@gatehouse/shared';
import { principalFromClaims, type AuthPrincipal } from '../domain/principal.js';
import type { AuthCache } from './auth-cache.js';
import { bearerTokenFor, tokenCacheKey, type AuthInput, type Authenticator } from './authenticator.js';

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
      const token = bearerTokenFor(input.authorization, opts.issuers);
      if (!token) return null;
      const key = tokenCacheKey(token);
      const hit = opts.cache.get(key);
      if (hit) return hit;
      const p = principalFromClaims(await opts.verify(token));
      if (method !== 'bearer') p.identity.auth_method = method;
      opts.cache.set(key, p, p.expiresAtMs);
      return p;
    },
  };
}
