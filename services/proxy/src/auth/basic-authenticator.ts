import { APP_TOKEN_PREFIX, hmacSha256, type Clock, type UserClient } from '@gatehouse/shared';
import { principalFromMessage, type AuthPrincipal } from '../domain/principal.js';
import type { AuthCache } from './auth-cache.js';
import { parseBasic, type AuthInput, type Authenticator } from './authenticator.js';
import { backendError } from './backend-errors.js';

/** HTTP Basic with an e-mail and password: auth-basic decides, successes are cached (HMAC-keyed). */
export function createBasicAuthenticator(opts: {
  client: Pick<UserClient, 'Authenticate'>;
  cache: AuthCache;
  cacheKey: Buffer;
  ttlMs: number;
  clock: Clock;
}): Authenticator {
  return {
    method: 'basic',
    scheme: 'Basic',
    async authenticate(input: AuthInput): Promise<AuthPrincipal | null> {
      const b = parseBasic(input.authorization);
      // App tokens are never sent to the password service, even when app auth is off.
      if (!b || b.password.startsWith(APP_TOKEN_PREFIX)) return null;
      const key = hmacSha256(opts.cacheKey, `basic\0${b.username}\0${b.password}`);
      const hit = opts.cache.get(key);
      if (hit) return hit;
      let msg;
      try {
        msg = await opts.client.Authenticate({ email: b.username, password: b.password, ip: input.ip });
      } catch (err) {
        throw backendError(err, 'auth-basic');
      }
      const now = opts.clock.now();
      const p = principalFromMessage(msg, 'basic', now);
      if (p.identity.amr.length === 0) p.identity.amr.push('pwd');
      opts.cache.set(key, p, now + opts.ttlMs);
      return p;
    },
  };
}
