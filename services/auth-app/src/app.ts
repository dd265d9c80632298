import {
  APP_TOKEN_REVOCATIONS,
  AuditPublisher,
  CredentialRevocationPublisher,
  ServiceHost,
  deriveKey,
  userDirectoryFor,
  type AppTokenServiceHandlers,
  type HostOverrides,
  type ServiceApp,
  type ServiceDeps,
  type UserDirectoryOverrides,
} from '@gatehouse/shared';
import type { Config } from './config.js';
import { AppTokens } from './domain/app-tokens.js';
import { subscribeUserChanged } from './events/user-changed-subscriber.js';
import { appTokenServiceHandlers } from './grpc/app-token-service.js';
import { tokensRouter } from './http/tokens-routes.js';
import { KvTokenRepository } from './store/kv-token-repository.js';
import { CachedUserDirectory } from './users/cached-user-directory.js';

/** What tests (and the all-in-one runtime) may replace; the user directory defaults to auth-basic's UserService at AUTH_BASIC_GRPC_ENDPOINT. */
export type AuthAppOverrides = HostOverrides & Pick<UserDirectoryOverrides, 'userDirectory'>;

export interface AuthApp extends ServiceApp {
  /** The domain, for in-process callers (all-in-one runtime, tests). */
  readonly tokens: AppTokens;
}

/** Composition root: wires store, bus, directory and transports. Reads no environment. */
export function createApp(config: Config, deps: ServiceDeps & AuthAppOverrides): AuthApp {
  const { store, bus, logger, clock } = deps;
  const host = ServiceHost.for('auth-app', 'AUTH_APP', config, deps);
  const { tls } = host;
  const users = userDirectoryFor(config, tls, deps);
  const directory = new CachedUserDirectory(users.directory, clock, config.AUTH_APP_USER_CACHE_TTL, config.AUTH_APP_USER_CACHE_SIZE);

  const tokens = new AppTokens(
    {
      tokens: new KvTokenRepository(store, clock, config.AUTH_APP_MAX_EXPIRY),
      users: directory,
      // The retention must exceed the proxy's cache of app-token successes.
      revocations: new CredentialRevocationPublisher(
        { store, bus, clock, logger },
        APP_TOKEN_REVOCATIONS,
        config.AUTH_APP_REVOCATION_RETENTION,
      ),
      audit: new AuditPublisher(bus, clock, logger, 'auth-app'),
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

  const { verifyIdentity } = host;
  host.http.use(tokensRouter({ tokens, verifyIdentity, impersonationEnabled: config.AUTH_APP_ENABLE_IMPERSONATION }));
  host.grpc.add<AppTokenServiceHandlers>(host.protos.gatehouse.v1.AppTokenService.service, appTokenServiceHandlers(tokens));

  return {
    tokens,
    ...host.app({
      store,
      bus,
      // Ready when Redis, NATS (user events) and the service it calls (auth-basic, for users) answer.
      checks: users.checks,
      beforeListen: async () => [
        subscribeUserChanged(
          bus,
          tokens,
          { revokeOnPasswordChange: config.AUTH_APP_REVOKE_ON_PASSWORD_CHANGE, invalidateUser: (id) => directory.invalidate(id) },
          logger,
        ),
      ],
      afterClose: () => users.close(),
    }),
  };
}
