import {
  AuditPublisher,
  GrpcServer,
  Metrics,
  RemoteKeySource,
  busCheck,
  createHttpApp,
  createIdentityVerifier,
  createTokenClient,
  createUserClient,
  deriveKey,
  errorMiddleware,
  grpcPeerCheck,
  grpcClientAddress,
  grpcTlsFrom,
  grpcUserDirectory,
  listenHttp,
  loadProtos,
  notFoundHandler,
  startDebugServer,
  storeCheck,
  type DebugServer,
  type HttpListener,
  type KeySource,
  type ServiceApp,
  type ServiceDeps,
  type Subscription,
  type TokenClient,
  type UserDirectory,
} from '@gatehouse/shared';
import type { Config } from './config.js';
import { ApiKeys } from './domain/api-keys.js';
import { KeyAuthorization } from './domain/authorization-callback.js';
import { KeyExchange } from './domain/key-exchange.js';
import type { IdentityProvider } from './domain/ports.js';
import { KeyRevocationPublisher } from './events/key-revocations.js';
import { subscribeUserChanged } from './events/user-changed-subscriber.js';
import { apiKeyService, type ApiKeyHandlers } from './grpc/api-key-grpc.js';
import { callbackRouter } from './http/callback-routes.js';
import { BearerTokenMinter } from './mint/bearer-token-minter.js';
import { OpenIdIdentityProvider } from './oidc/openid-identity-provider.js';
import { KvKeyRepository } from './store/kv-key-repository.js';
import { KvLocks } from './store/kv-locks.js';
import { KvPendingAuthorizations } from './store/kv-pending-authorizations.js';
import { KvRateLimiter } from './store/kv-rate-limiter.js';

export interface AppOverrides {
  /** The proxy's identity-header keys (default: GATEHOUSE_IDENTITY_JWKS_URL). */
  identityKeys?: KeySource;
  /** The user directory (default: auth-basic's UserService at AUTH_BASIC_GRPC_ENDPOINT). */
  userDirectory?: UserDirectory;
  /** auth-bearer's TokenService (default: a client for AUTH_BEARER_GRPC_ENDPOINT). */
  tokenClient?: Pick<TokenClient, 'MintAccessToken'>;
  /** The IdP (default: openid-client against AUTH_APIKEY_OIDC_ISSUER_URL). */
  identityProvider?: IdentityProvider;
  metrics?: Metrics;
}

export interface AuthApiKeyApp extends ServiceApp {
  /** The domain, for in-process callers (tests). */
  readonly keys: ApiKeys;
  readonly exchange: KeyExchange;
}

/** Composition root: wires store, bus, directory, IdP, minter and transports. Reads no environment. */
export function createApp(config: Config, deps: ServiceDeps & AppOverrides): AuthApiKeyApp {
  const { store, bus, logger, clock } = deps;
  const metrics = deps.metrics ?? new Metrics('auth-apikey');
  const tls = grpcTlsFrom(config);
  const grpcOpts = { tls, deadlineMs: config.GATEHOUSE_GRPC_DEADLINE };
  const owned: Array<{ close(): void }> = [];
  /** Clients the app created (not test overrides) are closed by stop(). */
  const own = <T extends { close(): void }>(client: T): T => {
    owned.push(client);
    return client;
  };
  const peers: Array<ReturnType<typeof grpcPeerCheck>> = [];

  const users = deps.userDirectory ?? grpcUserDirectory(own(createUserClient(config.AUTH_BASIC_GRPC_ENDPOINT, grpcOpts)));
  if (!deps.userDirectory) peers.push(own(grpcPeerCheck('auth-basic', config.AUTH_BASIC_GRPC_ENDPOINT, tls)));
  const tokenClient = deps.tokenClient ?? own(createTokenClient(config.AUTH_BEARER_GRPC_ENDPOINT, grpcOpts));
  if (!deps.tokenClient) peers.push(own(grpcPeerCheck('auth-bearer', config.AUTH_BEARER_GRPC_ENDPOINT, tls)));
  const idp =
    deps.identityProvider ??
    new OpenIdIdentityProvider({
      issuer: config.oidcIssuer,
      clientId: config.AUTH_APIKEY_OIDC_CLIENT_ID,
      clientSecret: config.oidcClientSecret,
      redirectUri: config.callbackUrl,
      scope: config.AUTH_APIKEY_OIDC_SCOPE,
      timeoutMs: config.AUTH_APIKEY_OIDC_TIMEOUT,
      internalUrl: config.AUTH_APIKEY_OIDC_INTERNAL_URL,
    });

  const keysRepo = new KvKeyRepository(store, clock, deriveKey(config.GATEHOUSE_SECRET, 'api-key-grants'));
  const pending = new KvPendingAuthorizations(store, deriveKey(config.GATEHOUSE_SECRET, 'api-key-pending'), config.AUTH_APIKEY_STATE_TTL);
  const revocations = new KeyRevocationPublisher(store, bus, clock, config.AUTH_APIKEY_REVOCATION_RETENTION, logger);
  const audit = new AuditPublisher(bus, clock, logger, 'auth-apikey');
  const digestKey = deriveKey(config.GATEHOUSE_SECRET, 'api-keys');

  const keys = new ApiKeys(
    { keys: keysRepo, pending, idp, users, revocations, audit, clock },
    {
      digestKey,
      allowedScopes: config.AUTH_APIKEY_SCOPES,
      redirectAllowList: config.AUTH_APIKEY_REDIRECT_ALLOW_LIST,
      maxKeysPerUser: config.AUTH_APIKEY_MAX_KEYS_PER_USER,
      maxNameLength: config.AUTH_APIKEY_MAX_NAME_LENGTH,
    },
  );
  const authorization = new KeyAuthorization(
    { keys: keysRepo, pending, idp, users, audit, clock },
    {
      identityClaim: config.AUTH_APIKEY_OIDC_IDENTITY_CLAIM,
      grantMaxAgeMs: config.AUTH_APIKEY_GRANT_MAX_AGE,
      redirectAllowList: config.AUTH_APIKEY_REDIRECT_ALLOW_LIST,
    },
  );
  const exchange = new KeyExchange(
    {
      keys: keysRepo,
      idp,
      users,
      minter: new BearerTokenMinter(tokenClient, Math.ceil(config.AUTH_APIKEY_TOKEN_TTL / 1000)),
      revocations,
      limiter: new KvRateLimiter(store, clock, config.AUTH_APIKEY_EXCHANGE_RATE_WINDOW),
      // A refresh holds the lock for at most a few IdP round trips.
      locks: new KvLocks(store, 3 * config.AUTH_APIKEY_OIDC_TIMEOUT),
      clock,
    },
    {
      digestKey,
      perKeyLimit: config.AUTH_APIKEY_EXCHANGE_RATE_PER_KEY,
      perAddressLimit: config.AUTH_APIKEY_EXCHANGE_RATE_PER_ADDRESS,
      lastUsedIntervalMs: config.AUTH_APIKEY_LAST_USED_INTERVAL,
      grantMaxAgeMs: config.AUTH_APIKEY_GRANT_MAX_AGE,
    },
  );

  const verifyIdentity = createIdentityVerifier({
    keys: deps.identityKeys ?? new RemoteKeySource({ url: config.GATEHOUSE_IDENTITY_JWKS_URL }),
    clock,
  });

  const http = createHttpApp({ logger, metrics });
  http.use(callbackRouter(authorization));
  http.use(notFoundHandler());
  http.use(errorMiddleware(logger));

  const grpc = new GrpcServer({ logger, metrics, tls });
  grpc.add<ApiKeyHandlers>(
    loadProtos().apikeys.ApiKeyService.service,
    apiKeyService({ keys, exchange, verifyIdentity, clientAddress: (ctx) => grpcClientAddress(ctx, config.AUTH_APIKEY_TRUST_PROXY) }),
  );

  let listener: HttpListener | undefined;
  let debug: DebugServer | undefined;
  let subscription: Subscription | undefined;

  return {
    keys,
    exchange,
    async start() {
      subscription = subscribeUserChanged(bus, keys, config.AUTH_APIKEY_REVOKE_ON_PASSWORD_CHANGE, logger);
      listener = await listenHttp(http, config.AUTH_APIKEY_HTTP_ADDR);
      const grpcPort = await grpc.listen(config.AUTH_APIKEY_GRPC_ADDR);
      debug = await startDebugServer({
        addr: config.AUTH_APIKEY_DEBUG_ADDR,
        metrics,
        // Ready when Redis, NATS (user events) and the services it calls (auth-basic for users,
        // auth-bearer for tokens) answer. The IdP is not a condition: only key authorization needs it.
        checks: [storeCheck(store), busCheck(bus), ...peers],
      });
      logger.info({ http: listener.port, grpc: grpcPort, debug: debug.port, issuer: config.oidcIssuer }, 'auth-apikey started');
      return { http: listener.port, grpc: grpcPort, debug: debug.port };
    },
    async stop() {
      subscription?.unsubscribe();
      await Promise.all([listener?.close(), grpc.stop()]);
      await debug?.close();
      for (const c of owned) c.close();
    },
  };
}
