import cookieParser from 'cookie-parser';
import {
  BUILTIN_IDP_PATH,
  ServiceHost,
  cookieSettingsFrom,
  userDirectoryFor,
  splitAddr,
  type AuthServiceHandlers,
  type HostOverrides,
  type ServiceApp,
  type ServiceDeps,
  type TokenServiceHandlers,
  type UserDirectoryOverrides,
} from '@gatehouse/shared';
import { createCliLogin } from './cli/create-cli-login.js';
import { listenerBase } from './cli/listener-base.js';
import { longestTokenLifetimeMs, type Config } from './config.js';
import { AccessTokenIssuer } from './domain/access-tokens.js';
import { SessionService } from './domain/sessions.js';
import { TokenAuthority } from './domain/token-authority.js';
import { EventPublisher } from './events/publisher.js';
import { auditMetrics } from './observability/audit-metrics.js';
import { subscribeEvents } from './events/subscriber.js';
import { authServiceHandlers } from './grpc/auth-service.js';
import { tokenServiceHandlers } from './grpc/token-service.js';
import { SESSIONS_PATH, accountSessionsRoutes } from './http/account-sessions-routes.js';
import { AUTH_PATHS, authRoutes, noStoreOnError } from './http/auth-routes.js';
import { oauthRoutes } from './http/oauth-routes.js';
import { ssoRoutes } from './http/sso-routes.js';
import { wellKnownRoutes } from './http/well-known-routes.js';
import { HandledChanges } from './store/handled-changes.js';
import { BuiltinIdp } from './idp/builtin-idp.js';
import { KeyRing } from './keys/key-ring.js';
import { BackchannelLogout } from './sso/backchannel-logout.js';
import { ProviderClients } from './sso/provider-clients.js';
import { ProviderSignIn } from './sso/provider-sign-in.js';
import { SsoLogin } from './sso/sso-login.js';
import { SsoSessionIndex } from './sso/sso-session-index.js';
import { SsoStateSealer } from './sso/sso-state.js';
import { SessionStore } from './store/session-store.js';

/**
 * What tests (and the all-in-one runtime) may replace. The user directory, external identities
 * (SSO) and the built-in IdP's password check default to gRPC to auth-basic (AUTH_BASIC_GRPC_ENDPOINT).
 */
export type AuthBearerOverrides = HostOverrides & UserDirectoryOverrides;

/** Composition root of auth-bearer: the token authority (keys, sessions, refresh, revocation, impersonation). */
export function createApp(config: Config, deps: ServiceDeps & AuthBearerOverrides): ServiceApp {
  const { store, bus, logger, clock } = deps;
  const host = ServiceHost.for('auth-bearer', 'AUTH_BEARER', config, deps);
  const { tls } = host;
  const retentionMs = longestTokenLifetimeMs(config);

  const userDirectory = userDirectoryFor(config, tls, deps);
  const users = userDirectory.directory;

  const keys = new KeyRing({
    store,
    clock,
    secret: config.GATEHOUSE_SECRET,
    alg: config.AUTH_BEARER_SIGNING_ALG,
    pem: config.AUTH_BEARER_SIGNING_KEY,
    retentionMs: retentionMs + config.AUTH_BEARER_KEY_CACHE_TTL,
    cacheTtlMs: config.AUTH_BEARER_KEY_CACHE_TTL,
  });
  const events = new EventPublisher({ store, bus, clock, logger, retentionMs, onAudit: auditMetrics(host.metrics) });
  /** User changes acted on (event ids, RevokeUser change ids), for a day: far longer than any retry. */
  const handled = new HandledChanges(store, 24 * 3_600_000);
  const sessions = new SessionService({
    sessions: new SessionStore(store),
    users,
    events,
    clock,
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

  const { verifyIdentity } = host;
  const cookies = cookieSettingsFrom(config);
  const ssoIndex = new SsoSessionIndex(store, config.REFRESH_TOKEN_TTL);
  const providerClients = new ProviderClients({
    timeoutMs: config.AUTH_BEARER_SSO_HTTP_TIMEOUT,
    retryAfterMs: config.AUTH_BEARER_SSO_RETRY_AFTER,
  });
  // One path from a provider's token response to a session: the browser SSO and the CLI login.
  const providerSignIn = new ProviderSignIn({
    identities: userDirectory.identities,
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
        credentials: userDirectory.credentials(config.AUTH_OIDC_LOGIN_DEADLINE),
        trustedPeers: config.AUTH_BEARER_TRUST_PROXY,
        events,
        logger,
      })
    : undefined;

  const http = host.http;
  if (idp) http.use(BUILTIN_IDP_PATH, idp.router());
  http.use(cookieParser());
  http.use(
    ssoRoutes({
      providers: config.providers,
      login: ssoLogin,
      backchannel,
      cookies,
      trustedPeers: config.AUTH_BEARER_TRUST_PROXY,
      publicPath: new URL(config.PUBLIC_URL).pathname.replace(/\/+$/, ''),
      stateTtlMs: config.AUTH_BEARER_SSO_STATE_TTL,
      clock,
    }),
  );
  http.use(wellKnownRoutes({ keys, issuer: config.PUBLIC_URL }));
  http.use(authRoutes({ authority, sessions, cookies, clock, trustedPeers: config.AUTH_BEARER_TRUST_PROXY }));
  http.use(accountSessionsRoutes({ sessions, verifyIdentity }));
  http.use(oauthRoutes({ authority, clients: config.AUTH_BEARER_RESOURCE_CLIENTS, issuer: config.PUBLIC_URL, logger }));
  host.grpc.add<TokenServiceHandlers>(
    host.protos.gatehouse.v1.TokenService.service,
    tokenServiceHandlers({ authority, sessions, trustedPeers: config.AUTH_BEARER_TRUST_PROXY, handled }),
  );

  // The CLI login (seed 000's mgmt.v1alpha1.AuthService): the built-in IdP, reached on our own HTTP
  // listener once it listens, or AUTH_CLI_PROVIDER; client addresses by the trusted-peer rule.
  const cliLogin = createCliLogin(config, {
    store,
    clock,
    logger,
    authority,
    sessions,
    users,
    providerClients,
    signIn: providerSignIn,
    localHttp: () => listenerBase(splitAddr(config.AUTH_BEARER_HTTP_ADDR)[0], host.ports?.http ?? 0),
  });
  host.grpc.add<AuthServiceHandlers>(
    host.protos.mgmt.v1alpha1.AuthService.service,
    authServiceHandlers({ login: cliLogin, trustedPeers: config.AUTH_BEARER_TRUST_PROXY }),
  );

  return host.app({
    store,
    bus,
    // Ready when Redis, NATS and the service it calls (auth-basic, for users) answer.
    checks: userDirectory.checks,
    logFields: { alg: config.AUTH_BEARER_SIGNING_ALG },
    errorHandlers: [{ paths: [...AUTH_PATHS, SESSIONS_PATH, '/auth/login'], handler: noStoreOnError }],
    beforeListen: async () => {
      await keys.init();
      await idp?.init();
      return subscribeEvents({ bus, sessions, keys, logger, handled });
    },
    afterClose: () => userDirectory.close(),
  });
}
