import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { fetch as undiciFetch } from 'undici';
import {
  builtinIdpIssuer,
  grpcPeerCheck,
  storeCheck,
  watchBackends,
  createAccessTokenVerifier,
  createAppTokenClient,
  createTokenClient,
  createUserClient,
  deriveKey,
  errorBody,
  GatehouseError,
  grpcIdentityDirectory,
  grpcTlsFrom,
  issuerKeySource,
  Metrics,
  RemoteKeySource,
  startDebugServer,
  listenHttp,
  originPolicyFrom,
  type AppTokenClient,
  type HttpListener,
  type IdentityDirectory,
  type KeySource,
  type ServiceApp,
  type ServiceDeps,
  type TokenClient,
  type UserClient,
} from '@gatehouse/shared';
import { AuthCache } from './auth/auth-cache.js';
import type { Authenticator } from './auth/authenticator.js';
import { createApiKeyRefusal } from './auth/api-key-refusal.js';
import { createAppTokenAuthenticator } from './auth/app-token-authenticator.js';
import { createBasicAuthenticator } from './auth/basic-authenticator.js';
import { createBearerAuthenticator } from './auth/bearer-authenticator.js';
import { createProviderTokenAuthenticator } from './auth/provider-token-authenticator.js';
import { Gatekeeper } from './auth/gatekeeper.js';
import { createSessionAuthenticator } from './auth/session-authenticator.js';
import type { Config } from './config.js';
import { Revocation } from './events/revocation.js';
import { GrpcEntry } from './grpc/grpc-entry.js';
import { grpcOwners, type GrpcOwner } from './grpc/grpc-owners.js';
import { endpointInstances, primaryEndpoint } from './http/endpoints.js';
import { UpstreamPools } from './http/forward.js';
import { ownsCookieFrom } from './http/gatehouse-cookies.js';
import { UpgradedSockets } from './http/upgraded-sockets.js';
import { createRequestHandler } from './http/proxy-handler.js';
import { createUpgradeHandler } from './http/upgrade-handler.js';
import { IdentitySigner, loadIdentityKey, type IdentityKey } from './identity/identity-signer.js';
import { ProxyMetrics } from './observability/proxy-metrics.js';
import { providerRoutes } from './routes/provider-routes.js';
import { loadRoutesFile, type Route } from './routes/routes-file.js';

export interface ProxyOverrides {
  /** Access-token keys (default: auth-bearer's JWKS, fetched and cached). */
  accessTokenKeys?: KeySource & { refresh?: () => Promise<void> };
  identityKey?: IdentityKey;
  routes?: Route[];
  tokenClient?: Pick<TokenClient, 'GetSession'>;
  userClient?: Pick<UserClient, 'Authenticate'>;
  appTokenClient?: Pick<AppTokenClient, 'Authenticate'>;
  grpcOwners?: Map<string, GrpcOwner>;
  /** Accounts of external identities, for trusted provider access tokens (default: gRPC to auth-basic). */
  identities?: Pick<IdentityDirectory, 'findByIdentity'>;
  /** Keys of trusted providers by name (default: each provider's discovered JWKS). */
  providerKeys?: Record<string, KeySource>;
  /** Extra authenticators appended to the chain (API keys, external issuers). */
  extraAuthenticators?: (deps: { clock: ServiceDeps['clock'] }) => Authenticator[];
  metrics?: Metrics;
}

/** Answers malformed, oversized or slow requests from node's parser with the shared JSON shape. */
function onClientError(err: NodeJS.ErrnoException & { bytesParsed?: number }, socket: Duplex): void {
  if (!socket.writable) return void socket.destroy();
  const code =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? 'HEADERS_TOO_LARGE'
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'REQUEST_TIMEOUT'
        : 'INVALID_REQUEST';
  const error = new GatehouseError(code);
  const body = JSON.stringify(errorBody(error));
  socket.end(
    `HTTP/1.1 ${error.httpStatus} ${STATUS_CODES[error.httpStatus]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

export function createApp(config: Config, deps: ServiceDeps & ProxyOverrides): ServiceApp {
  const { clock, logger } = deps;
  const metrics = deps.metrics ?? new Metrics('proxy');
  watchBackends(metrics, deps);
  const tls = grpcTlsFrom(config);
  const grpcOpts = { tls, deadlineMs: config.GATEHOUSE_GRPC_DEADLINE };
  const owned: Array<{ close(): void }> = [];
  /** Clients the app created (not test overrides) are closed by stop(). */
  const own = <T extends { close(): void }>(client: T): T => {
    owned.push(client);
    return client;
  };
  const endpoints: Record<string, string> = {
    'auth-bearer': config.AUTH_BEARER_HTTP_ENDPOINT,
    'auth-basic': config.AUTH_BASIC_HTTP_ENDPOINT,
    'auth-app': config.AUTH_APP_HTTP_ENDPOINT,
    'auth-apikey': config.AUTH_APIKEY_HTTP_ENDPOINT,
    whoami: config.WHOAMI_HTTP_ENDPOINT,
  };
  // Upstreams with several instances: routes name the first, the pools connect to any live one.
  const instances = new Map(Object.values(endpoints).map((v) => [new URL(primaryEndpoint(v)).origin, endpointInstances(v)] as const));
  const pools = new UpstreamPools(config.PROXY_UPSTREAM_MAX_SOCKETS, instances);
  const keys: KeySource & { refresh?: () => Promise<void> } =
    deps.accessTokenKeys ??
    (config.PROXY_ACCESS_TOKEN_JWKS_URL
      ? new RemoteKeySource({ url: config.PROXY_ACCESS_TOKEN_JWKS_URL })
      : // auth-bearer's own JWKS, fetched through the same pools as its routes (so it fails over too).
        new RemoteKeySource({
          url: `${primaryEndpoint(config.AUTH_BEARER_HTTP_ENDPOINT).replace(/\/+$/, '')}/.well-known/jwks.json`,
          fetch: ((input: string | URL, init?: RequestInit) =>
            undiciFetch(input, { ...(init as object), dispatcher: pools.poolFor(new URL(String(input))) })) as unknown as typeof fetch,
        }));
  // The built-in OpenID Provider signs with auth-bearer's key ring and puts a Gatehouse session's
  // sid in its access tokens, so they verify and are revoked exactly like auth-bearer's own.
  const issuers = config.AUTH_OIDC_BUILTIN ? [config.PUBLIC_URL, builtinIdpIssuer(config.PUBLIC_URL)] : config.PUBLIC_URL;
  const verify = createAccessTokenVerifier({ issuer: issuers, audience: config.ACCESS_TOKEN_AUDIENCE, keys, clock });
  const cacheKey = deriveKey(config.GATEHOUSE_SECRET, 'proxy-auth-cache');
  const tokenCache = new AuthCache('bearer', config.PROXY_TOKEN_CACHE_SIZE, clock);
  const basicCache = new AuthCache('basic', config.PROXY_BASIC_CACHE_SIZE, clock);
  const sessionCache = new AuthCache('session', config.PROXY_SESSION_CACHE_SIZE, clock);
  const caches = [tokenCache, basicCache, sessionCache];

  const trusted = config.providers.filter((p) => p.trustAccessTokens);
  // A raw API key is refused before anything tries to verify it; then Bearer JWTs. With trusted
  // providers, a Bearer token of another issuer goes on to their authenticators.
  const chain: Authenticator[] = [
    createApiKeyRefusal(),
    createBearerAuthenticator({ verify, cache: tokenCache, clock, ...(trusted.length > 0 ? { issuers: [config.PUBLIC_URL] } : {}) }),
  ];
  /** The auth services this proxy calls: /readyz needs each to answer grpc.health.v1. */
  const peers: Array<ReturnType<typeof grpcPeerCheck>> = [];
  if (trusted.length > 0) {
    const identities = deps.identities ?? grpcIdentityDirectory(own(createUserClient(config.AUTH_BASIC_GRPC_ENDPOINT, grpcOpts)));
    if (!deps.identities) peers.push(own(grpcPeerCheck('auth-basic', config.AUTH_BASIC_GRPC_ENDPOINT, tls)));
    for (const p of trusted) {
      const providerKeys =
        deps.providerKeys?.[p.name] ??
        issuerKeySource(p.issuer!, {
          allowInsecureRequests: p.allowInsecureRequests,
          timeoutMs: config.PROXY_PROVIDER_HTTP_TIMEOUT,
          maxAgeMs: config.PROXY_PROVIDER_JWKS_TTL,
          cooldownMs: config.PROXY_PROVIDER_JWKS_COOLDOWN,
        });
      const verifyProvider = createAccessTokenVerifier({
        issuer: p.issuer!,
        audience: p.audience!,
        keys: providerKeys,
        clock,
        algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA', 'ES384', 'RS384'],
        // RFC 9068 at+jwt, or the JWT / untyped access tokens of Keycloak, Auth0 and Okta.
        typ: ['at+jwt', 'JWT'],
        typOptional: true,
        requiredClaims: [],
      });
      chain.push(
        createProviderTokenAuthenticator({
          provider: p,
          verify: verifyProvider,
          identities,
          cache: tokenCache,
          clock,
          jwksTtlMs: config.PROXY_PROVIDER_JWKS_TTL,
        }),
      );
    }
  }
  if (config.PROXY_ENABLE_APP_AUTH) {
    const client = deps.appTokenClient ?? own(createAppTokenClient(config.AUTH_APP_GRPC_ENDPOINT, grpcOpts));
    if (!deps.appTokenClient) peers.push(own(grpcPeerCheck('auth-app', config.AUTH_APP_GRPC_ENDPOINT, tls)));
    chain.push(createAppTokenAuthenticator({ client, cache: basicCache, cacheKey, ttlMs: config.PROXY_BASIC_CACHE_TTL, clock }));
  }
  if (config.PROXY_ENABLE_BASIC_AUTH) {
    const client = deps.userClient ?? own(createUserClient(config.AUTH_BASIC_GRPC_ENDPOINT, grpcOpts));
    if (!deps.userClient) peers.push(own(grpcPeerCheck('auth-basic', config.AUTH_BASIC_GRPC_ENDPOINT, tls)));
    chain.push(createBasicAuthenticator({ client, cache: basicCache, cacheKey, ttlMs: config.PROXY_BASIC_CACHE_TTL, clock }));
  }
  if (config.PROXY_ENABLE_SESSION_AUTH) {
    const client = deps.tokenClient ?? own(createTokenClient(config.AUTH_BEARER_GRPC_ENDPOINT, grpcOpts));
    if (!deps.tokenClient) peers.push(own(grpcPeerCheck('auth-bearer', config.AUTH_BEARER_GRPC_ENDPOINT, tls)));
    chain.push(
      createSessionAuthenticator({
        client,
        cookieName: config.SESSION_COOKIE_NAME,
        cache: sessionCache,
        ttlMs: config.PROXY_SESSION_CACHE_TTL,
        clock,
      }),
    );
  }
  chain.push(...(deps.extraAuthenticators?.({ clock }) ?? []));

  let signer: IdentitySigner | undefined;
  const proxyMetrics = new ProxyMetrics(metrics, () => [
    ...caches,
    { name: 'identity', hits: signer?.hits ?? 0, misses: signer?.misses ?? 0 },
  ]);
  // Upgraded connections are rechecked as often as the store fallback's snapshot is renewed (≤ 1 s).
  const sockets: UpgradedSockets = new UpgradedSockets(
    (p) => revocation.check(p),
    Math.max(100, Math.min(1000, config.PROXY_REVOCATION_STORE_CACHE_TTL)),
    logger,
  );
  const revocation = new Revocation({
    store: deps.store,
    bus: deps.bus,
    clock,
    logger,
    maxStalenessMs: config.PROXY_REVOCATION_MAX_STALENESS,
    storeCacheTtlMs: config.PROXY_REVOCATION_STORE_CACHE_TTL,
    ttlMs: config.PROXY_REVOCATION_TTL,
    onRevoked: (match) => {
      for (const c of caches) c.evict(match);
      sockets.closeMatching(match);
    },
    onKeysRotated: () => {
      void keys.refresh?.().catch((err: unknown) => logger.warn({ err }, 'JWKS refresh after key rotation failed'));
    },
    onLag: (ms) => proxyMetrics.lag(ms),
  });

  // Routes name an upstream by its first instance; the pools connect to any live one.
  const primaries = Object.fromEntries(Object.entries(endpoints).map(([name, v]) => [name, primaryEndpoint(v)]));
  const routes = [
    ...(deps.routes ?? loadRoutesFile(config.PROXY_ROUTES_FILE, primaries)),
    ...providerRoutes(
      config.providers.map((p) => p.name),
      primaries['auth-bearer']!,
    ),
  ];

  let http: HttpListener | undefined;
  let grpcEntry: GrpcEntry | undefined;
  let debug: { port: number; close(): Promise<void> } | undefined;

  return {
    async start() {
      const key = deps.identityKey ?? (await loadIdentityKey(config.PROXY_IDENTITY_ALG, config.PROXY_IDENTITY_KEY_FILE));
      signer = new IdentitySigner(key, Math.max(1, Math.round(config.PROXY_IDENTITY_TTL / 1000)), clock, config.PROXY_IDENTITY_CACHE_SIZE);
      // With the access log on, its line records who was allowed: one log line per request.
      const gatekeeper = new Gatekeeper(chain, revocation, signer, proxyMetrics, logger, !config.PROXY_ACCESS_LOG);
      debug = await startDebugServer({
        addr: config.PROXY_DEBUG_ADDR,
        metrics,
        checks: [
          {
            name: 'revocation',
            check: () => (revocation.loaded ? Promise.resolve() : Promise.reject(new Error('revocation lists not loaded'))),
          },
          storeCheck(deps.store),
          // NATS is not a readiness condition: without it the proxy checks revocation in Redis.
          ...peers,
        ],
      });
      // Not ready until the revocation lists are loaded; retried until they are.
      const loadRevocation = async (): Promise<void> => {
        try {
          await revocation.start();
        } catch (err) {
          logger.error({ err }, 'loading revocation lists failed; retrying in the background');
          void (async () => {
            while (http && !revocation.loaded) {
              await new Promise((r) => setTimeout(r, 500));
              await revocation.load().catch(() => undefined);
            }
          })();
        }
      };
      const ctx = {
        routes,
        gatekeeper,
        signer,
        metrics: proxyMetrics,
        logger,
        pools,
        trustedPeers: config.PROXY_TRUSTED_PROXIES,
        challenge: { realm: config.PROXY_REALM, basic: config.PROXY_ENABLE_BASIC_AUTH || config.PROXY_ENABLE_APP_AUTH },
        loginUrl: config.PROXY_LOGIN_URL,
        defaultTimeoutMs: config.PROXY_UPSTREAM_TIMEOUT,
        maxBodyBytes: config.PROXY_MAX_BODY_BYTES,
        accessLog: config.PROXY_ACCESS_LOG,
        ownsCookie: ownsCookieFrom(config),
        sockets,
        csrf: {
          policy: originPolicyFrom(config),
          authCookies: [config.SESSION_COOKIE_NAME, config.REFRESH_TOKEN_COOKIE_NAME],
        },
      };
      http = await listenHttp(createRequestHandler(ctx), config.PROXY_HTTP_ADDR, {
        maxHeaderSize: config.PROXY_MAX_HEADER_BYTES,
        headersTimeoutMs: config.PROXY_HEADERS_TIMEOUT,
        requestTimeoutMs: config.PROXY_REQUEST_TIMEOUT,
        server: {
          // How often node enforces the two timeouts above (its default, 30 s, would let slow clients linger).
          connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(config.PROXY_HEADERS_TIMEOUT / 2))),
          keepAliveTimeout: 5000,
          requireHostHeader: true,
          joinDuplicateHeaders: false,
        },
        configure: (server) => {
          server.on('upgrade', createUpgradeHandler(ctx));
          server.on('clientError', onClientError);
        },
      });
      grpcEntry = new GrpcEntry({
        owners: deps.grpcOwners ?? grpcOwners(config),
        gatekeeper,
        metrics: proxyMetrics,
        logger,
        tls,
        entryRequiresClientCert: config.PROXY_GRPC_TLS_CLIENT_AUTH,
        accessLog: config.PROXY_ACCESS_LOG,
      });
      const grpcPort = await grpcEntry.listen(config.PROXY_GRPC_ADDR);
      await loadRevocation();
      return { http: http.port, grpc: grpcPort, debug: debug.port };
    },
    async stop() {
      revocation.stop();
      sockets.stop();
      const listener = http;
      http = undefined;
      await Promise.all([listener?.close(5000), grpcEntry?.close(), debug?.close()]);
      pools.destroy();
      for (const c of owned) c.close();
    },
  };
}
