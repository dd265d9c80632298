import {
  GatehouseError,
  externalIdOf,
  type AccessTokenVerifier,
  type Clock,
  type IdentityDirectory,
  type ProviderConfig,
} from '@gatehouse/shared';
import type { AuthPrincipal } from '../domain/principal.js';
import type { AuthCache } from './auth-cache.js';
import { bearerTokenFor, tokenCacheKey, type AuthInput, type Authenticator } from './authenticator.js';
import { backendError } from './backend-errors.js';

const invalid = (detail: string) => new GatehouseError('INVALID_TOKEN', { detail });
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * Access tokens of an external provider trusted with AUTH_<NAME>_TRUST_ACCESS_TOKENS: recognised
 * by their exact `iss` (others fall through), verified with the shared verifier against the
 * provider's discovered JWKS and AUTH_<NAME>_AUDIENCE, then mapped to the linked local account
 * (UserService.GetUserByIdentity at first sight of a token, cached after). An unmapped or inactive
 * account is refused; an ID token (nonce, typ ID) is never an access token. A verified token is
 * cached until its exp, and no longer than the JWKS TTL, so a key removed at the IdP stops a token
 * the proxy has already seen once that TTL has passed.
 */
export function createProviderTokenAuthenticator(opts: {
  provider: ProviderConfig;
  verify: AccessTokenVerifier;
  identities: Pick<IdentityDirectory, 'findByIdentity'>;
  cache: AuthCache;
  clock: Clock;
  jwksTtlMs: number;
}): Authenticator {
  const p = opts.provider;
  const method = `oidc-${p.name}`;
  return {
    method,
    scheme: 'Bearer',
    async authenticate(input: AuthInput): Promise<AuthPrincipal | null> {
      const token = bearerTokenFor(input.authorization, p.issuer ? [p.issuer] : []);
      if (!token) return null;
      const key = tokenCacheKey(token);
      const hit = opts.cache.get(key);
      if (hit) return hit;
      const c = await opts.verify(token);
      if ('nonce' in c || c.typ === 'ID') throw invalid('an ID token is not an access token');
      const externalId = externalIdOf(c, p.identifierKey);
      if (!externalId) throw invalid(`no ${p.identifierKey} claim`);
      let user;
      try {
        user = await opts.identities.findByIdentity(p.name, externalId);
      } catch (err) {
        throw backendError(err, 'auth-basic', 'INVALID_TOKEN');
      }
      if (!user) throw invalid(`${p.name} subject is not linked to an account`);
      if (user.status !== 'active') throw new GatehouseError('USER_SUSPENDED', { detail: `user ${user.id} is ${user.status}` });
      const scope = typeof c.scope === 'string' ? c.scope.split(' ').filter(Boolean) : strings(c.scp);
      const clientId = typeof c.client_id === 'string' ? c.client_id : typeof c.azp === 'string' ? c.azp : undefined;
      const principal: AuthPrincipal = {
        identity: {
          sub: user.id,
          ...(user.email ? { email: user.email } : {}),
          ...(user.name ? { name: user.name } : {}),
          roles: user.roles,
          groups: user.groups,
          scopes: scope,
          amr: ['oidc'],
          auth_method: method,
          token_id: typeof c.jti === 'string' && c.jti !== '' ? c.jti : key,
          ...(clientId ? { client_id: clientId } : {}),
        },
        expiresAtMs: c.exp * 1000,
        issuedAtMs: c.iat * 1000,
        issuedAtPrecisionMs: 1000,
      };
      opts.cache.set(key, principal, opts.clock.now() + opts.jwksTtlMs);
      return principal;
    },
  };
}
