import cookieParser from 'cookie-parser';
import {
  GatehouseError,
  busCheck,
  grpcPeerCheck,
  storeCheck,
  GrpcServer,
  Metrics,
  RemoteKeySource,
  cookieSettingsFrom,
  createHttpApp,
  createIdentityVerifier,
  createUserClient,
  errorMiddleware,
  grpcIdentityDirectory,
  grpcTlsFrom,
  grpcUserDirectory,
  listenHttp,
  loadProtos,
  notFoundHandler,
  startDebugServer,
  type DebugServer,
  type HttpListener,
  type IdentityDirectory,
  type KeySource,
  type ServiceApp,
  type ServiceDeps,
  type Subscription,
  type TokenServiceHandlers,
  type AuthServiceHandlers,
  parseTrustedPeers,
  splitAddr,
  type UserDirectory,
  type CredentialChecker,
  BUILTIN_IDP_PATH,
  grpcCredentialChecker,
} from '@gatehouse/shared';
import { createCliLogin } from './cli/create-cli-login.js';
import { listenerBase } from './cli/local-issuer-fetch.js';
import { longestTokenLifetimeMs, trustProxySetting, type Config } from './config.js';
import { AccessTokenIssuer } from './domain/access-tokens.js';
import { SessionService } from './domain/sessions.js';
import { TokenAuthority } from './domain/token-authority.js';
import { EventPublisher } from './events/publisher.js';
import { subscribeEvents } from './events/subscriber.js';
import { authServiceImpl } from './grpc/auth-service.js';
import { tokenServiceImpl } from './grpc/token-service.js';
import { SESSIONS_PATH, accountSessionsRoutes } from './http/account-sessions-routes.js';
import { AUTH_PATHS, authRoutes, noStoreOnError } from './http/auth-routes.js';
import { oauthRoutes } from './http/oauth-routes.js';
import { ssoRoutes } from './http/sso-routes.js';
import { wellKnownRoutes } from './http/well-known-routes.js';
import { BuiltinIdp } from './idp/builtin-idp.js';
import { KeyRing } from './keys/key-ring.js';
import { BackchannelLogout } from './sso/backchannel-logout.js';
import { ProviderClients } from './sso/provider-clients.js';
import { ProviderSignIn } from './sso/provider-sign-in.js';
import { SsoLogin } from './sso/sso-login.js';
import { SsoSessionIndex } from './sso/sso-session-index.js';
import { SsoStateSealer } from './sso/sso-state.js';
import { SessionStore } from './store/session-store.js';

export interface AuthBearerOverrides {
  /** The user directory port; default: gRPC to auth-basic (AUTH_BASIC_GRPC_ENDPOINT). */
  users?: UserDirectory;
  metrics?: Metrics;
  /** The proxy's identity-header keys, for /auth/sessions (default: GATEHOUSE_IDENTITY_JWKS_URL). */
  identityKeys?: KeySource;
  /** Accounts of external identities (SSO); default: gRPC to auth-basic. */
  identities?: IdentityDirectory;
  /** The built-in IdP's password check; default: gRPC to auth-basic (UserService.CheckCredentials). */
  credentials?: CredentialChecker;
}

/** Composition root of auth-bearer: the token authority (keys, sessions, refresh, revocation, impersonation). */
export function createApp(config: Config, deps: ServiceDeps & AuthBearerOverrides): ServiceApp {
  const { store, bus, logger, clock } = deps;
  const metrics = deps.metrics ?? new Metrics('auth-bearer');
  const tls = grpcTlsFrom(config);
  const retentionMs = longestTokenLifetimeMs(config);

  const userClient =
    deps.users && (deps.credentials || !config.AUTH_OIDC_BUILTIN)
      ? undefined
      : createUserClient(config.AUTH_BASIC_GRPC_ENDPOINT, { tls, deadlineMs: config.GATEHOUSE_GRPC_DEADLINE });
  const users = deps.users ?? grpcUserDirectory(userClient!);
  const identityClient =
    deps.identities || config.providers.length === 0
      ? undefined
      : (userClient ?? createUserClient(config.AUTH_BASIC_GRPC_ENDPOINT, { tls, deadlineMs: config.GATEHOUSE_GRPC_DEADLINE }));
  const identities = deps.identities ?? (identityClient ? grpcIdentityDirectory(identityClient) : undefined);
  const peer = !deps.users ? grpcPeerCheck('auth-basic', config.AUTH_BASIC_GRPC_ENDPOINT, tls) : undefined;

  const keys = new KeyRing({
    store,
    clock,
    secret: config.GATEHOUSE_SECRET,
    alg: config.AUTH_BEARER_SIGNING_ALG,
    pem: config.AUTH_BEARER_SIGNING_KEY,
    retentionMs: retentionMs + config.AUTH_BEARER_KEY_CACHE_TTL,
    cacheTtlMs: config.AUTH_BEARER_KEY_CACHE_TTL,
  });
  const events = new EventPublisher({ store, bus, clock, logger, retentionMs });
  const sessions = new SessionService({
    sessions: new SessionStore(store),
    users,
    events,
    clock,
    logger,
    secret: config.GATEHOUSE_SECRET,
    policy: {
      refreshTtlMs: config.REFRESH_TOKEN_TTL,
      idleTtlMs: config.SESSION_IDLE_TTL,
      graceMs: config.SESSION_REFRESH_GRACE_PERIOD,
      maxSessionsPerUser: config.AUTH_BEARER_MAX_SESSIONS_PER_USER,
      retentionMs,
    },
  });
  const issuer = new AccessTokenIssuer({
    keys,
    clock,
    issuer: config.PUBLIC_URL,
    audience: config.ACCESS_TOKEN_AUDIENCE,
    defaultTtlMs: config.ACCESS_TOKEN_TTL,
  });
  const authority = new TokenAuthority({
    sessions,
    issuer,
    keys,
    users,
    events,
    clock,
    opts: {
      issuer: config.PUBLIC_URL,
      audience: config.ACCESS_TOKEN_AUDIENCE,
      allowedAudiences: config.AUTH_BEARER_ALLOWED_AUDIENCES,
      clockSkewSec: Math.floor(config.AUTH_BEARER_CLOCK_SKEW / 1000),
      maxTokenBytes: config.AUTH_BEARER_MAX_TOKEN_BYTES,
      mintMaxTtlMs: config.AUTH_BEARER_MINT_MAX_TTL,
      impersonationTtlMs: config.AUTH_BEARER_IMPERSONATION_TTL,
      serviceAccounts: config.AUTH_BEARER_SERVICE_ACCOUNTS,
    },
  });

  const verifyIdentity = createIdentityVerifier({
    keys: deps.identityKeys ?? new RemoteKeySource({ url: config.GATEHOUSE_IDENTITY_JWKS_URL }),
    clock,
  });
  const cookies = cookieSettingsFrom(config);
  const ssoIndex = new SsoSessionIndex(store, config.REFRESH_TOKEN_TTL);
  const providerClients = new ProviderClients({
    timeoutMs: config.AUTH_BEARER_SSO_HTTP_TIMEOUT,
    retryAfterMs: config.AUTH_BEARER_SSO_RETRY_AFTER,
  });
  const providerSignIn = new ProviderSignIn({
    identities: identities ?? {
      signIn: () => Promise.reject(new GatehouseError('INVALID_PROVIDER')),
      findByIdentity: () => Promise.resolve(null),
    },
    authority,
    index: ssoIndex,
    logger,
    secret: config.GATEHOUSE_SECRET,
  });
  const ssoLogin = new SsoLogin({
    providers: config.providers,
    clients: providerClients,
    sealer: new SsoStateSealer(config.GATEHOUSE_SECRET),
    signIn: providerSignIn,
    store,
    clock,
    logger,
    opts: { publicUrl: config.PUBLIC_URL, stateTtlMs: config.AUTH_BEARER_SSO_STATE_TTL },
  });
  const backchannel = new BackchannelLogout({
    sessions,
    index: ssoIndex,
    store,
    clock,
    logger,
    opts: {
      clockSkewSec: Math.floor(config.AUTH_BEARER_CLOCK_SKEW / 1000),
      maxTokenBytes: config.AUTH_BEARER_MAX_TOKEN_BYTES,
      timeoutMs: config.AUTH_BEARER_SSO_HTTP_TIMEOUT,
      jwksTtlMs: config.AUTH_BEARER_SSO_JWKS_TTL,
      jwksCooldownMs: config.AUTH_BEARER_SSO_JWKS_COOLDOWN,
    },
  });
  // The built-in OpenID Provider (AUTH_OIDC_BUILTIN): mounted before the cookie parser, it reads its own signed cookies.
  const idp = config.AUTH_OIDC_BUILTIN
    ? new BuiltinIdp(config, {
        store,
        sessions,
        keys,
        users,
        credentials: deps.credentials ?? grpcCredentialChecker(userClient!, config.AUTH_OIDC_LOGIN_DEADLINE),
        logger,
      })
    : undefined;

  const http = createHttpApp({ logger, metrics });
  http.set('trust proxy', trustProxySetting(config));
  if (idp) http.use(BUILTIN_IDP_PATH, idp.router());
  http.use(cookieParser());
  http.use(
    ssoRoutes({
      providers: config.providers,
      login: ssoLogin,
      backchannel,
      cookies,
      publicPath: new URL(config.PUBLIC_URL).pathname.replace(/\/+$/, ''),
      stateTtlMs: config.AUTH_BEARER_SSO_STATE_TTL,
      clock,
    }),
  );
  http.use(wellKnownRoutes({ keys, issuer: config.PUBLIC_URL }));
  http.use(authRoutes({ authority, sessions, cookies, clock }));
  http.use(accountSessionsRoutes({ sessions, verifyIdentity }));
  http.use(oauthRoutes({ authority, clients: config.AUTH_BEARER_RESOURCE_CLIENTS, logger }));
  http.use(notFoundHandler());
  http.use([...AUTH_PATHS, SESSIONS_PATH, '/auth/login'], noStoreOnError);
  http.use(errorMiddleware(logger));

  const grpc = new GrpcServer({ logger, metrics, tls });
  grpc.add<TokenServiceHandlers>(loadProtos().gatehouse.v1.TokenService.service, tokenServiceImpl({ authority, sessions }));
  // The CLI login (seed 000's mgmt.v1alpha1.AuthService): the built-in IdP, reached on our own HTTP
  // listener, or AUTH_CLI_PROVIDER; client addresses from the proxy's x-forwarded-for when trusted.
  const cliLogin = createCliLogin(config, {
    store,
    clock,
    logger,
    authority,
    sessions,
    users,
    providerClients,
    signIn: providerSignIn,
    localHttp: () => listenerBase(splitAddr(config.AUTH_BEARER_HTTP_ADDR)[0], httpListener?.port ?? 0),
  });
  grpc.add<AuthServiceHandlers>(
    loadProtos().mgmt.v1alpha1.AuthService.service,
    authServiceImpl({ login: cliLogin, trusted: parseTrustedPeers(trustProxySetting(config) || 'false') }),
  );

  let httpListener: HttpListener | undefined;
  let debug: DebugServer | undefined;
  let subs: Subscription[] = [];

  return {
    async start() {
      await keys.init();
      await idp?.init();
      subs = subscribeEvents({ bus, store, sessions, keys, logger, dedupeTtlMs: 24 * 3_600_000 });
      httpListener = await listenHttp(http, config.AUTH_BEARER_HTTP_ADDR);
      const grpcPort = await grpc.listen(config.AUTH_BEARER_GRPC_ADDR);
      debug = await startDebugServer({
        addr: config.AUTH_BEARER_DEBUG_ADDR,
        metrics,
        // Ready when Redis, NATS and the service it calls (auth-basic, for users) answer.
        checks: [storeCheck(store), busCheck(bus), ...(peer ? [peer] : [])],
      });
      logger.info(
        { http: httpListener.port, grpc: grpcPort, debug: debug.port, alg: config.AUTH_BEARER_SIGNING_ALG },
        'auth-bearer started',
      );
      return { http: httpListener.port, grpc: grpcPort, debug: debug.port };
    },
    async stop() {
      for (const s of subs) s.unsubscribe();
      subs = [];
      await Promise.all([httpListener?.close(), grpc.stop(), debug?.close()]);
      userClient?.close();
      if (identityClient !== userClient) identityClient?.close();
      peer?.close();
    },
  };
}
