import {
  busCheck,
  storeCheck,
  GrpcServer,
  Metrics,
  createHttpApp,
  deriveKey,
  errorMiddleware,
  grpcTlsFrom,
  loadProtos,
  notFoundHandler,
  type KeySource,
  type ServiceApp,
  type ServiceDeps,
  type Subscription,
  type UserDirectory,
  identityVerifierFor,
  startServiceListeners,
  type ServiceListeners,
  userDirectoryFor,
} from '@gatehouse/shared';
import type { Config } from './config.js';
import { AppTokens } from './domain/app-tokens.js';
import { AuditPublisher } from './events/audit-publisher.js';
import { RevocationPublisher } from './events/revocation-publisher.js';
import { subscribeUserChanged } from './events/user-changed-subscriber.js';
import { appTokenServiceHandlers, type AppTokenHandlers } from './grpc/app-token-service.js';
import { tokensRouter } from './http/tokens-routes.js';
import { KvTokenRepository } from './store/kv-token-repository.js';
import { CachedUserDirectory } from './users/cached-user-directory.js';

export interface AuthAppOverrides {
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
export function createApp(config: Config, deps: ServiceDeps & AuthAppOverrides): AuthApp {
  const { store, bus, logger, clock } = deps;
  const metrics = deps.metrics ?? new Metrics('auth-app');
  const users = userDirectoryFor(config, grpcTlsFrom(config), deps);
  const directory = new CachedUserDirectory(users.directory, clock, config.AUTH_APP_USER_CACHE_TTL, config.AUTH_APP_USER_CACHE_SIZE);

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

  const verifyIdentity = identityVerifierFor(config, clock, deps.identityKeys);
  const http = createHttpApp({ logger, metrics });
  http.use(tokensRouter({ tokens, verifyIdentity, impersonationEnabled: config.AUTH_APP_ENABLE_IMPERSONATION }));
  http.use(notFoundHandler());
  http.use(errorMiddleware(logger));

  const grpc = new GrpcServer({ logger, metrics, tls: grpcTlsFrom(config) });
  grpc.add<AppTokenHandlers>(loadProtos().gatehouse.v1.AppTokenService.service, appTokenServiceHandlers(tokens));

  let listeners: ServiceListeners | undefined;
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
      listeners = await startServiceListeners({
        name: 'auth-app',
        logger,
        metrics,
        http,
        httpAddr: config.AUTH_APP_HTTP_ADDR,
        grpc,
        grpcAddr: config.AUTH_APP_GRPC_ADDR,
        debugAddr: config.AUTH_APP_DEBUG_ADDR,
        // Ready when Redis, NATS (user events) and the service it calls (auth-basic, for users) answer.
        checks: [storeCheck(store), busCheck(bus), ...users.checks],
      });
      return listeners.ports;
    },
    async stop() {
      subscription?.unsubscribe();
      await listeners?.close();
      users.close();
    },
  };
}
