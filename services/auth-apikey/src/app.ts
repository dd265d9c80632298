import {
  API_KEY_REVOCATIONS,
  AuditPublisher,
  CredentialRevocationPublisher,
  ServiceHost,
  createTokenClient,
  deriveKey,
  grpcClientAddress,
  grpcPeerCheck,
  userDirectoryFor,
  type GrpcTlsConfig,
  type ApiKeyServiceHandlers,
  type HostOverrides,
  type ReadinessCheck,
  type ServiceApp,
  type ServiceDeps,
  type TokenClient,
  type UserDirectoryOverrides,
} from '@gatehouse/shared';
import type { Config } from './config.js';
import { ApiKeys } from './domain/api-keys.js';
import { KeyAuthorization } from './domain/authorization-callback.js';
import { KeyExchange } from './domain/key-exchange.js';
import type { IdentityProvider } from './domain/ports.js';
import { subscribeUserChanged } from './events/user-changed-subscriber.js';
import { apiKeyServiceHandlers } from './grpc/api-key-service.js';
import { callbackRouter } from './http/callback-routes.js';
import { BearerTokenMinter } from './mint/bearer-token-minter.js';
import { OpenIdIdentityProvider } from './oidc/openid-identity-provider.js';
import { KvKeyRepository } from './store/kv-key-repository.js';
import { KvLocks } from './store/kv-locks.js';
import { KvPendingAuthorizations } from './store/kv-pending-authorizations.js';
import { KvRateLimiter } from './store/kv-rate-limiter.js';

/**
 * What tests (and the all-in-one runtime) may replace, besides the metrics and identity keys of every
 * hosted service; the user directory defaults to auth-basic's UserService at AUTH_BASIC_GRPC_ENDPOINT.
 */
export type AuthApikeyOverrides = HostOverrides &
  Pick<UserDirectoryOverrides, 'userDirectory'> & {
    /** auth-bearer's TokenService (default: a client for AUTH_BEARER_GRPC_ENDPOINT). */
    tokenClient?: Pick<TokenClient, 'MintAccessToken'>;
    /** The IdP (default: openid-client against AUTH_APIKEY_OIDC_ISSUER_URL). */
    identityProvider?: IdentityProvider;
  };

export interface AuthApikeyApp extends ServiceApp {
  /** The domain, for in-process callers (tests). */
  readonly keys: ApiKeys;
  readonly exchange: KeyExchange;
}

/** Composition root: wires store, bus, directory, IdP, minter and transports. Reads no environment. */
export function createApp(config: Config, deps: ServiceDeps & AuthApikeyOverrides): AuthApikeyApp {
  const { store, bus, logger, clock } = deps;
  const host = ServiceHost.for('auth-apikey', 'AUTH_APIKEY', config, deps);
  // auth-basic (the key's creator) and auth-bearer (the minted tokens), over the host's gRPC TLS.
  const users = userDirectoryFor(config, host.tls, deps);
  const tokens = tokenServiceFor(config, host.tls, deps.tokenClient);
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
  // The retention exceeds AUTH_APIKEY_TOKEN_TTL (config.ts checks it): revocations outlive the tokens they void.
  const revocations = new CredentialRevocationPublisher(
    { store, bus, clock, logger },
    API_KEY_REVOCATIONS,
    config.AUTH_APIKEY_REVOCATION_RETENTION,
  );
  const audit = new AuditPublisher(bus, clock, logger, 'auth-apikey');
  const digestKey = deriveKey(config.GATEHOUSE_SECRET, 'api-keys');

  const keys = new ApiKeys(
    { keys: keysRepo, pending, idp, users: users.directory, revocations, audit, clock },
    {
      digestKey,
      allowedScopes: config.AUTH_APIKEY_SCOPES,
      redirectAllowList: config.AUTH_APIKEY_REDIRECT_ALLOW_LIST,
      maxKeysPerUser: config.AUTH_APIKEY_MAX_KEYS_PER_USER,
      maxNameLength: config.AUTH_APIKEY_MAX_NAME_LENGTH,
    },
  );
  const authorization = new KeyAuthorization(
    { keys: keysRepo, pending, idp, users: users.directory, audit, clock },
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
      users: users.directory,
      minter: new BearerTokenMinter(tokens.client, Math.ceil(config.AUTH_APIKEY_TOKEN_TTL / 1000)),
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

  const { verifyIdentity } = host;
  host.http.use(callbackRouter(authorization));
  host.grpc.add<ApiKeyServiceHandlers>(
    host.protos.apikeys.ApiKeyService.service,
    apiKeyServiceHandlers({
      keys,
      exchange,
      verifyIdentity,
      clientAddress: (call) => grpcClientAddress(call, config.AUTH_APIKEY_TRUST_PROXY),
    }),
  );

  return {
    keys,
    exchange,
    ...host.app({
      store,
      bus,
      // Ready when Redis, NATS (user events) and the services it calls (auth-basic for users,
      // auth-bearer for tokens) answer. The IdP is not a condition: only key authorization needs it.
      checks: [...users.checks, ...tokens.checks],
      logFields: { issuer: config.oidcIssuer },
      beforeListen: async () => [subscribeUserChanged(bus, keys, config.AUTH_APIKEY_REVOKE_ON_PASSWORD_CHANGE, logger)],
      afterClose: () => {
        users.close();
        tokens.close();
      },
    }),
  };
}

/** auth-bearer's TokenService (AUTH_BEARER_GRPC_ENDPOINT) with its readiness check, or the client a test passes. */
function tokenServiceFor(
  config: Pick<Config, 'AUTH_BEARER_GRPC_ENDPOINT' | 'GATEHOUSE_GRPC_DEADLINE'>,
  tls: GrpcTlsConfig,
  override: Pick<TokenClient, 'MintAccessToken'> | undefined,
): { client: Pick<TokenClient, 'MintAccessToken'>; checks: ReadinessCheck[]; close(): void } {
  if (override) return { client: override, checks: [], close: () => undefined };
  const client = createTokenClient(config.AUTH_BEARER_GRPC_ENDPOINT, { tls, deadlineMs: config.GATEHOUSE_GRPC_DEADLINE });
  const peer = grpcPeerCheck('auth-bearer', config.AUTH_BEARER_GRPC_ENDPOINT, tls);
  return {
    client,
    checks: [peer],
    close() {
      client.close();
      peer.close();
    },
  };
}
