import { APP_TOKEN_PREFIX, type UserClient } from '@gatehouse/shared';
import type { Authenticator } from './authenticator.js';
import { createBackendBasicAuthenticator, type BasicCacheOptions } from './backend-basic-authenticator.js';

/** HTTP Basic with an e-mail and password: auth-basic decides, successes are cached (HMAC-keyed). */
export function createBasicAuthenticator(opts: BasicCacheOptions & { client: Pick<UserClient, 'Authenticate'> }): Authenticator {
  return createBackendBasicAuthenticator({
    ...opts,
    method: 'basic',
    // App tokens are never sent to the password service, even when app auth is off.
    accepts: (b) => !b.password.startsWith(APP_TOKEN_PREFIX),
    check: (b, ip) => opts.client.Authenticate({ email: b.username, password: b.password, ip }),
    backend: 'auth-basic',
    amr: (given) => (given.length === 0 ? ['pwd'] : given),
  });
}
