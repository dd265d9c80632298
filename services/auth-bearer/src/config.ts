import { z } from 'zod';
import {
  ConfigError,
  commonEnv,
  cookieEnv,
  env,
  loadConfigWithProviders,
  providersEnv,
  type Env,
  type ProviderConfig,
} from '@gatehouse/shared';
import { cliEnv, cliProviderProblems, replacedCliVariableProblems } from './cli/cli-config.js';
import { idpEnv } from './idp/idp-config.js';

const sha256Digest = z
  .string()
  .regex(/^([0-9a-fA-F]{64}|[A-Za-z0-9_-]{43})$/, 'expected the SHA-256 of the secret (64 hex or 43 base64url characters)');

/** A configured service account that may impersonate users (AUTH_BEARER_SERVICE_ACCOUNTS). */
const serviceAccount = z.object({
  client_id: z.string().min(1),
  secret_sha256: sha256Digest,
  /** May it act for users holding the admin role? (default false) */
  allow_admin_targets: z.boolean().default(false),
  /** Scopes it may request; absent: any. */
  scopes: z.array(z.string()).optional(),
});

/** A resource server allowed to call /oauth/revoke and /oauth/introspect. */
const resourceClient = z.object({ client_id: z.string().min(1), secret_sha256: sha256Digest });

export const configSchema = z.object({
  ...commonEnv,
  ...cookieEnv,
  AUTH_BEARER_HTTP_ADDR: env.addr('127.0.0.1:9210'),
  AUTH_BEARER_GRPC_ADDR: env.addr('127.0.0.1:9211'),
  AUTH_BEARER_DEBUG_ADDR: env.addr('127.0.0.1:9215'),
  /**
   * Peers whose X-Forwarded-For is believed for the session's ip (the proxy runs in front of us):
   * a trusted-peer list (comma-separated IPs, CIDRs, loopback, linklocal, uniquelocal; `false`
   * trusts nobody, and the ip is then the socket's peer). Same syntax and meaning as
   * AUTH_BASIC_TRUST_PROXY and PROXY_TRUSTED_PROXIES.
   */
  AUTH_BEARER_TRUST_PROXY: env.trustedPeers('loopback'),
  /** Algorithm of new signing keys. */
  AUTH_BEARER_SIGNING_ALG: z.enum(['ES256', 'RS256', 'EdDSA']).default('ES256'),
  /** PKCS#8 PEM private key (set AUTH_BEARER_SIGNING_KEY_FILE to a path); when set, keys are not kept in the store and rotation is refused. */
  AUTH_BEARER_SIGNING_KEY: z.string().optional(),
  ACCESS_TOKEN_TTL: env.duration('15m'),
  /** Absolute lifetime of a session and its refresh tokens. */
  REFRESH_TOKEN_TTL: env.duration('7d'),
  /** A session unused for this long ends (capped by REFRESH_TOKEN_TTL). */
  SESSION_IDLE_TTL: env.duration('24h'),
  /** Parallel refreshes of one token inside this window get the same successor; 0 disables. */
  SESSION_REFRESH_GRACE_PERIOD: env.duration('10s'),
  AUTH_BEARER_IMPERSONATION_TTL: env.duration('5m'),
  /** Upper bound of MintAccessToken's ttl_seconds. */
  AUTH_BEARER_MINT_MAX_TTL: env.duration('1h'),
  /** Clock skew accepted when verifying tokens. */
  AUTH_BEARER_CLOCK_SKEW: env.duration('30s'),
  /** Tokens longer than this are refused before decoding. */
  AUTH_BEARER_MAX_TOKEN_BYTES: env.int(8192, 512, 65536),
  /** Largest number of live sessions per user; opening one more ends the oldest. */
  AUTH_BEARER_MAX_SESSIONS_PER_USER: env.int(100, 1, 10_000),
  /** How long an instance trusts its cached active signing key before re-reading it. */
  AUTH_BEARER_KEY_CACHE_TTL: env.duration('10s'),
  /** Extra audiences MintAccessToken and Impersonate may issue for (ACCESS_TOKEN_AUDIENCE always). */
  AUTH_BEARER_ALLOWED_AUDIENCES: env.list(''),
  /** JSON array of {client_id, secret_sha256, allow_admin_targets?, scopes?} (or AUTH_BEARER_SERVICE_ACCOUNTS_FILE). */
  AUTH_BEARER_SERVICE_ACCOUNTS: env.jsonArray(serviceAccount),
  /** JSON array of {client_id, secret_sha256} for RFC 7009/7662 (or AUTH_BEARER_RESOURCE_CLIENTS_FILE). */
  AUTH_BEARER_RESOURCE_CLIENTS: env.jsonArray(resourceClient),
  /** External providers (SSO): AUTH_PROVIDERS=keycloak,… and AUTH_<NAME>_* per provider (read by readProviders). */
  ...providersEnv,
  /** How long a started SSO login may take (the state cookie's lifetime). */
  AUTH_BEARER_SSO_STATE_TTL: env.duration('10m'),
  /** Time of one request to an IdP (discovery, token, userinfo, JWKS). */
  AUTH_BEARER_SSO_HTTP_TIMEOUT: env.duration('5s'),
  /** After a failed discovery, logins through that provider fail fast this long before it is tried again. */
  AUTH_BEARER_SSO_RETRY_AFTER: env.duration('5s'),
  /** Providers' keys (back-channel logout tokens) are refetched after this; a removed key is refused after it. */
  AUTH_BEARER_SSO_JWKS_TTL: env.duration('5m'),
  /** At most one JWKS refetch per provider per this interval for unknown kids. */
  AUTH_BEARER_SSO_JWKS_COOLDOWN: env.duration('30s'),
  /** The built-in OpenID Provider at PUBLIC_URL/oidc (src/idp/idp-config.ts). */
  ...idpEnv,
  /** The CLI login, mgmt.v1alpha1.AuthService (src/cli/cli-config.ts). */
  ...cliEnv,
});

export type Config = z.infer<typeof configSchema> & { providers: ProviderConfig[] };
export type ServiceAccount = z.infer<typeof serviceAccount>;
export type ResourceClient = z.infer<typeof resourceClient>;

/** The schema's variables and the providers' (AUTH_<NAME>_*), every problem listed at once. */
export function loadConfig(e: Env): Config {
  let config: Config | undefined;
  const problems: string[] = [];
  try {
    config = loadConfigWithProviders(configSchema, e, 'sso');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  problems.push(...cliProviderProblems(e), ...replacedCliVariableProblems(e));
  if (!config || problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The longest any token signed by this service can live: keys and revocations are kept this long. */
export function longestTokenLifetimeMs(c: Config): number {
  return Math.max(c.ACCESS_TOKEN_TTL, c.AUTH_BEARER_IMPERSONATION_TTL, c.AUTH_BEARER_MINT_MAX_TTL) + c.AUTH_BEARER_CLOCK_SKEW;
}
