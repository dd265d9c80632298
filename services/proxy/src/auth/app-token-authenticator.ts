import { APP_TOKEN_PREFIX, type AppTokenClient } from '@gatehouse/shared';
import type { Authenticator } from './authenticator.js';
import { createBackendBasicAuthenticator, type BasicCacheOptions } from './backend-basic-authenticator.js';

/** HTTP Basic whose password is an app token (`ghapp_…`): auth-app decides, successes are cached. */
export function createAppTokenAuthenticator(opts: BasicCacheOptions & { client: Pick<AppTokenClient, 'Authenticate'> }): Authenticator {
  return createBackendBasicAuthenticator({
    ...opts,
    method: 'app',
    accepts: (b) => b.password.startsWith(APP_TOKEN_PREFIX),
    check: (b) => opts.client.Authenticate({ username: b.username, token: b.password }),
    backend: 'auth-app',
    amr: (given) => (given.includes('app') ? given : [...given, 'app']),
  });
}
