import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { httpEndpoint } from './http/endpoints.js';
import {
  builtinIdpEnv,
  commonEnv,
  cookieEnv,
  env,
  IDENTITY_MAX_TTL_SEC,
  loadConfigWithProviders,
  providersEnv,
  type Env,
  type ProviderConfig,
} from '@gatehouse/shared';

/** The routes file shipped with the service (services/proxy/routes.yaml, two levels above dist/src). */
export const DEFAULT_ROUTES_FILE = fileURLToPath(new URL('../../routes.yaml', import.meta.url));

export const configSchema = z.object({
  ...commonEnv,
  /** With the built-in OpenID Provider on, its access tokens (iss PUBLIC_URL/oidc, same keys) are accepted too. */
  ...builtinIdpEnv,
  ...cookieEnv,
  PROXY_HTTP_ADDR: env.addr('127.0.0.1:9200'),
  PROXY_GRPC_ADDR: env.addr('127.0.0.1:9201'),
  /**
   * Require client certificates at the public gRPC entry. Separate from GATEHOUSE_GRPC_TLS_CLIENT_AUTH
   * (mTLS between services): public callers authenticate with tokens, not certificates.
   */
  PROXY_GRPC_TLS_CLIENT_AUTH: env.bool(false),
  PROXY_DEBUG_ADDR: env.addr('127.0.0.1:9205'),
  PROXY_ENABLE_APP_AUTH: env.bool(false),
  PROXY_ENABLE_BASIC_AUTH: env.bool(false),
  PROXY_ENABLE_SESSION_AUTH: env.bool(true),
  /**
   * The routes file (services/proxy/README.md): its `passCookies` marks Gatehouse's own endpoints,
   * the only routes Gatehouse's cookies reach (and may be set from).
   */
  PROXY_ROUTES_FILE: z.string().default(DEFAULT_ROUTES_FILE),
  /**
   * Peers whose X-Forwarded-* headers are believed: a trusted-peer list (IPs, CIDRs, loopback,
   * linklocal, uniquelocal; empty or `false` trusts nobody), as AUTH_BEARER_TRUST_PROXY.
   */
  PROXY_TRUSTED_PROXIES: env.trustedPeers(''),
  /** The oldest revocation state ever served: past it, the proxy asks the store per request. */
  PROXY_REVOCATION_MAX_STALENESS: env.duration('5s'),
  /** How long a store snapshot is reused while the bus is down; also how often open WebSockets are rechecked (within 100 ms to 1 s). */
  PROXY_REVOCATION_STORE_CACHE_TTL: env.duration('1s'),
  /** How long a revocation matters: the longest access-token lifetime. */
  PROXY_REVOCATION_TTL: env.duration('15m'),
  PROXY_IDENTITY_KEY_FILE: z.string().optional(),
  PROXY_IDENTITY_ALG: z.enum(['ES256', 'EdDSA', 'RS256']).default('ES256'),
  /**
   * Lifetime of a signed identity header (whole seconds, 1s to 30s): what a header an upstream
   * leaks or replays is worth. The proxy reuses one per principal and upstream until 90% of it.
   */
  PROXY_IDENTITY_TTL: env
    .duration('30s')
    .refine((ms) => ms >= 1000 && ms <= IDENTITY_MAX_TTL_SEC * 1000, `must be between 1s and ${IDENTITY_MAX_TTL_SEC}s`),
  PROXY_MAX_HEADER_BYTES: env.int(16 * 1024, 1024, 1024 * 1024),
  /** Largest request body forwarded (streamed, counted). */
  PROXY_MAX_BODY_BYTES: env.int(1024 * 1024 * 1024, 0),
  PROXY_HEADERS_TIMEOUT: env.duration('10s'),
  /** Time to receive a whole request from the client (uploads included). */
  PROXY_REQUEST_TIMEOUT: env.duration('300s'),
  /** Default time for an upstream to answer with headers (routes may override). */
  PROXY_UPSTREAM_TIMEOUT: env.duration('30s'),
  PROXY_UPSTREAM_MAX_SOCKETS: env.int(256, 1),
  PROXY_TOKEN_CACHE_SIZE: env.int(10_000, 0),
  PROXY_BASIC_CACHE_SIZE: env.int(10_000, 0),
  PROXY_BASIC_CACHE_TTL: env.duration('30s'),
  PROXY_SESSION_CACHE_SIZE: env.int(10_000, 0),
  PROXY_SESSION_CACHE_TTL: env.duration('5s'),
  PROXY_IDENTITY_CACHE_SIZE: env.int(10_000, 0),
  /** Where browsers without a credential are sent on protected routes. */
  PROXY_LOGIN_URL: z.string().default('/admin/login'),
  /** One info line per answered request (method, path without query, route, status, auth method, ms). */
  PROXY_ACCESS_LOG: env.bool(true),
  PROXY_REALM: z
    .string()
    .regex(/^[\w .-]+$/)
    .default('gatehouse'),
  /** Base URL of each route upstream; several comma-separated instances fail over (http/endpoints.ts). */
  AUTH_BEARER_HTTP_ENDPOINT: httpEndpoint('http://127.0.0.1:9210'),
  AUTH_BASIC_HTTP_ENDPOINT: httpEndpoint('http://127.0.0.1:9220'),
  AUTH_APP_HTTP_ENDPOINT: httpEndpoint('http://127.0.0.1:9230'),
  WHOAMI_HTTP_ENDPOINT: httpEndpoint('http://127.0.0.1:9250'),
  /** auth-apikey's HTTP base URL: GET /apikey/oauthcallback (the end of a key's authorization at the IdP). */
  AUTH_APIKEY_HTTP_ENDPOINT: httpEndpoint('http://127.0.0.1:9240'),
  /** auth-apikey's gRPC address; apikeys.ApiKeyService is routed when it is set. */
  AUTH_APIKEY_GRPC_ENDPOINT: z.string().optional(),
  /** Override of the JWKS the proxy verifies access tokens with (default: auth-bearer's). */
  PROXY_ACCESS_TOKEN_JWKS_URL: z.string().url().optional(),
  /** External providers: their SSO routes, and their access tokens with AUTH_<NAME>_TRUST_ACCESS_TOKENS. */
  ...providersEnv,
  /** A trusted provider's JWKS is refetched after this; a key removed at the IdP is refused after it. */
  PROXY_PROVIDER_JWKS_TTL: env.duration('5m'),
  /** At most one JWKS refetch per provider per this interval for unknown kids. */
  PROXY_PROVIDER_JWKS_COOLDOWN: env.duration('30s'),
  /** Time of one request to a provider (discovery, JWKS). */
  PROXY_PROVIDER_HTTP_TIMEOUT: env.duration('5s'),
});

export type Config = z.infer<typeof configSchema> & { providers: ProviderConfig[] };

/** The schema's variables and the providers' (AUTH_<NAME>_* the proxy reads), every problem listed at once. */
export function loadConfig(e: Env): Config {
  return loadConfigWithProviders(configSchema, e, 'access-tokens');
}
