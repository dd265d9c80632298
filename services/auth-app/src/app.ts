import {
  busCheck,
  grpcPeerCheck,
  storeCheck,
  watchBackends,
  GrpcServer,
  Metrics,
  RemoteKeySource,
  createHttpApp,
  createIdentityVerifier,
  createUserClient,
  deriveKey,
  errorMiddleware,
  grpcTlsFrom,
  grpcUserDirectory,
  listenHttp,
  loadProtos,
  notFoundHandler,
  startDebugServer,
  type DebugServer,
  type HttpListener,
  type KeySource,
  type ServiceApp,
  type ServiceDeps,
  type Subscription,
  type UserDirectory,
} from '@gatehouse/shared';
import type { Config } from './config.js';
import { AppTokens } from './domain/app-tokens.js';
import { AuditPublisher } from './events/audit-publisher.js';
import { RevocationPublisher } from './events/revocation-publisher.js';
import { subscribeUserChanged } from './events/user-changed-subscriber.js';
import { appTokenService, type AppTokenHandlers } from './grpc/app-token-grpc.js';
import { tokensRouter } from './http/tokens-routes.js';
import { KvTokenRepository } from './store/kv-token-repository.js';
import { CachedUserDirectory } from './users/cached-user-directory.js';

export interface AppOverrides {
  /** The proxy's identity-header keys (default: GATEHOUSE_IDENTITY_JWKS_URL). */
  identityKeys?: KeySource;
  /** The user directory (default: auth-basic's UserService at AUTH_BASIC_GRPC_ENDPOINT). */
  userDirectory?: UserDirectory;
  metrics?: Metrics;
}

export interface AuthApp extends ServiceApp {
  /** The domain, for in-process callers (all-in-one runtime, tests). */
  readonly tokens: AppTokens;
}

/** Composition root: wires store, bus, directory and transports. Reads no environment. */
export function createApp(config: Config, deps: ServiceDeps & AppOverrides): AuthApp {
  const { store, bus, logger, clock } = deps;
  const metrics = deps.metrics ?? new Metrics('auth-app');
  watchBackends(metrics, { store: deps.store, bus: deps.bus });
  const userClient = deps.userDirectory
    ? undefined
    : createUserClient(config.AUTH_BASIC_GRPC_ENDPOINT, { tls: grpcTlsFrom(config), deadlineMs: config.GATEHOUSE_GRPC_DEADLINE });
  const peer = userClient ? grpcPeerCheck('auth-basic', config.AUTH_BASIC_GRPC_ENDPOINT, grpcTlsFrom(config)) : undefined;
  const directory = new CachedUserDirectory(
    deps.userDirectory ?? grpcUserDirectory(userClient!),
    clock,
    config.AUTH_APP_USER_CACHE_TTL,
    config.AUTH_APP_USER_CACHE_SIZE,
  );

  const tokens = new AppTokens(
    {
      tokens: new KvTokenRepository(store, clock, config.AUTH_APP_MAX_EXPIRY),
      users: directory,
      revocations: new RevocationPublisher(store, bus, clock, config.AUTH_APP_REVOCATION_RETENTION, logger),
      audit: new AuditPublisher(bus, clock, logger),
      clock,
    },
    {
      digestKey: deriveKey(config.GATEHOUSE_SECRET, 'app-tokens'),
      maxExpiryMs: config.AUTH_APP_MAX_EXPIRY,
      maxTokensPerUser: config.AUTH_APP_MAX_TOKENS_PER_USER,
      lastUsedIntervalMs: config.AUTH_APP_LAST_USED_INTERVAL,
      maxLabelLength: config.AUTH_APP_MAX_LABEL_LENGTH,
      maxScopes: config.AUTH_APP_MAX_SCOPES,
    },
  );

  const verifyIdentity = createIdentityVerifier({
    keys: deps.identityKeys ?? new RemoteKeySource({ url: config.GATEHOUSE_IDENTITY_JWKS_URL }),
    clock,
  });
  const http = createHttpApp({ logger, metrics });
  http.use(tokensRouter({ tokens, verifyIdentity, impersonationEnabled: config.AUTH_APP_ENABLE_IMPERSONATION }));
  http.use(notFoundHandler());
  http.use(errorMiddleware(logger));

  const grpc = new GrpcServer({ logger, metrics, tls: grpcTlsFrom(config) });
  grpc.add<AppTokenHandlers>(loadProtos().gatehouse.v1.AppTokenService.service, appTokenService(tokens));

  let listener: HttpListener | undefined;
  let debug: DebugServer | undefined;
  let subscription: Subscription | undefined;

  return {
    tokens,
    async start() {
      subscription = subscribeUserChanged(
        bus,
        tokens,
        { revokeOnPasswordChange: config.AUTH_APP_REVOKE_ON_PASSWORD_CHANGE, invalidateUser: (id) => directory.invalidate(id) },
        logger,
      );
      listener = await listenHttp(http, config.AUTH_APP_HTTP_ADDR);
      const grpcPort = await grpc.listen(config.AUTH_APP_GRPC_ADDR);
      debug = await startDebugServer({
        addr: config.AUTH_APP_DEBUG_ADDR,
        metrics,
        // Ready when Redis, NATS (user events) and the service it calls (auth-basic, for users) answer.
        checks: [storeCheck(store), busCheck(bus), ...(peer ? [peer] : [])],
      });
      logger.info({ http: listener.port, grpc: grpcPort, debug: debug.port }, 'auth-app started');
      return { http: listener.port, grpc: grpcPort, debug: debug.port };
    },
    async stop() {
      subscription?.unsubscribe();
      await Promise.all([listener?.close(), grpc.stop()]);
      await debug?.close();
      userClient?.close();
      peer?.close();
    },
  };
}
