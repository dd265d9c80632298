import { APP_TOKEN_PREFIX, hmacSha256, type AppTokenClient, type Clock } from '@gatehouse/shared';
import { principalFromMessage, type AuthPrincipal } from '../domain/principal.js';
import type { AuthCache } from './auth-cache.js';
import { parseBasic, type AuthInput, type Authenticator } from './authenticator.js';
import { backendError } from './backend-errors.js';

/** HTTP Basic whose password is an app token (`ghapp_…`): auth-app decides, successes are cached. */
export function createAppTokenAuthenticator(opts: {
  client: Pick<AppTokenClient, 'Authenticate'>;
  cache: AuthCache;
  cacheKey: Buffer;
  ttlMs: number;
  clock: Clock;
}): Authenticator {
  return {
    method: 'app',
    scheme: 'Basic',
    async authenticate(input: AuthInput): Promise<AuthPrincipal | null> {
      const b = parseBasic(input.authorization);
      if (!b || !b.password.startsWith(APP_TOKEN_PREFIX)) return null;
      const key = hmacSha256(opts.cacheKey, `app\0${b.username}\0${b.password}`);
      const hit = opts.cache.get(key);
      if (hit) return hit;
      let msg;
      try {
        msg = await opts.client.Authenticate({ username: b.username, token: b.password });
      } catch (err) {
        throw backendError(err, 'auth-app');
      }
      const now = opts.clock.now();
      const p = principalFromMessage(msg, 'app', now);
      if (!p.identity.amr.includes('app')) p.identity.amr.push('app');
      opts.cache.set(key, p, now + opts.ttlMs);
      return p;
    },
  };
}
