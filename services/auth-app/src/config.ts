import { z } from 'zod';
import { commonEnv, env, loadConfig as loadEnv, type Env } from '@gatehouse/shared';

/**
 * auth-app's environment. Every limit is named here.
 * - AUTH_APP_MAX_EXPIRY (2160h = 90 days): the longest `expiry` a token may be created with.
 * - AUTH_APP_ENABLE_IMPERSONATION (false): admins may create tokens for other users (userID=/userName=).
 * - AUTH_APP_REVOKE_ON_PASSWORD_CHANGE (true): a password change deletes the user's app tokens.
 * - AUTH_APP_MAX_TOKENS_PER_USER (1000): creating one more is refused (CONFLICT).
 * - AUTH_APP_LAST_USED_INTERVAL (1m): last_used is written at most this often per token.
 * - AUTH_APP_USER_CACHE_TTL (5s, 0 disables): how long a user-directory answer is reused; a
 *   user.changed event drops the entry at once.
 * - AUTH_APP_REVOCATION_RETENTION (1h): how long a deleted token id stays on the revocation list
 *   the proxy reads (must exceed the proxy's cache of app-token successes).
 */
export const configSchema = z
  .object({
    ...commonEnv,
    AUTH_APP_HTTP_ADDR: env.addr('127.0.0.1:9230'),
    AUTH_APP_GRPC_ADDR: env.addr('127.0.0.1:9231'),
    AUTH_APP_DEBUG_ADDR: env.addr('127.0.0.1:9235'),
    AUTH_APP_MAX_EXPIRY: env.duration('2160h').refine((ms) => ms > 0, 'must be positive'),
    AUTH_APP_ENABLE_IMPERSONATION: env.bool(false),
    AUTH_APP_REVOKE_ON_PASSWORD_CHANGE: env.bool(true),
    AUTH_APP_MAX_TOKENS_PER_USER: env.int(1000, 1, 100_000),
    AUTH_APP_LAST_USED_INTERVAL: env.duration('1m'),
    AUTH_APP_USER_CACHE_TTL: env.duration('5s'),
    AUTH_APP_USER_CACHE_SIZE: env.int(10_000, 0, 1_000_000),
    AUTH_APP_REVOCATION_RETENTION: env.duration('1h').refine((ms) => ms > 0, 'must be positive'),
    AUTH_APP_MAX_LABEL_LENGTH: env.int(200, 1, 1000),
    AUTH_APP_MAX_SCOPES: env.int(32, 0, 256),
  })
  .strip();

export type Config = z.infer<typeof configSchema>;

export function loadConfig(e: Env): Config {
  return loadEnv(configSchema, e);
}
