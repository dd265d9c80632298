import {
  RemoteKeySource,
  ServiceHost,
  cookieSettingsFrom,
  createAccessTokenVerifier,
  grpcPeerCheck,
  requestClientAddress,
  type KeySource,
  type KeyValueStore,
  type HostOverrides,
  type LoginServiceHandlers,
  type ServiceApp,
  type ServiceDeps,
  type UserServiceHandlers,
} from '@gatehouse/shared';
import type { Request } from 'express';
import type { Config } from './config.js';
import { ExternalSignIn } from './auth/external-sign-in.js';
import { oidcInfo } from './grpc/oidc-info.js';
import { LoginFlow } from './auth/login-flow.js';
import { LoginLimiter } from './auth/login-limiter.js';
import { PasswordAuthenticator } from './auth/password-authenticator.js';
import { PasswordReset } from './auth/password-reset.js';
import { TotpService } from './auth/totp-service.js';
import { UserAdministration } from './auth/user-administration.js';
import { defaultPolicy } from './domain/password-policy.js';
import { RevocationOutbox } from './events/revocation-outbox.js';
import { createUserEventPublisher } from './events/user-events.js';
import { loginServiceHandlers } from './grpc/login-service.js';
import { userServiceHandlers } from './grpc/user-service.js';
import { authRoutes } from './http/auth-routes.js';
import { graphqlRoutes } from './http/graphql.js';
import { usersRoutes } from './http/users-routes.js';
import { loginPage } from './http/pages/login-page.js';
import { resetPasswordPage } from './http/pages/reset-password-page.js';
import { createOutboxMailer, createSmtpMailer, type Mailer } from './mail/mailer.js';
import { authBasicMetrics } from './observability/auth-basic-metrics.js';
import { HashPool } from './passwords/hash-pool.js';
import { PasswordHasher } from './passwords/password-hasher.js';
import { createGrpcSessionIssuer, type SessionIssuer } from './sessions/session-issuer.js';
import { BoundedFailureCounters } from './store/bounded-failure-counters.js';
import { StoreFailureCounters } from './store/failure-counters.js';
import { ResetThrottle, ResetTokenStore, TotpStore } from './store/token-store.js';
import { UserStore } from './store/user-store.js';

/** What tests (and the all-in-one runtime) may replace, besides the metrics and identity keys of every hosted service. */
export interface AuthBasicOverrides extends HostOverrides {
  /** auth-bearer's TokenService; default: gRPC to AUTH_BEARER_GRPC_ENDPOINT. */
  sessionIssuer?: SessionIssuer;
  /** auth-bearer's access-token keys (LoginService.Logout); default: AUTH_BEARER_HTTP_ENDPOINT/.well-known/jwks.json. */
  accessTokenKeys?: KeySource;
  mailer?: Mailer;
  /** Store of the login limiter's counters; default: the service store. */
  limiterStore?: KeyValueStore;
  /** Called for every bcrypt comparison (login, TOTP password checks, dummy checks). */
  onPasswordCompare?: () => void;
}

export interface AuthBasicApp extends ServiceApp {
  /** Resolves when every queued e-mail has been handed to the mailer. */
  drainMail(): Promise<void>;
}

export function createApp(config: Config, deps: ServiceDeps & AuthBasicOverrides): AuthBasicApp {
  const { store, bus, logger, clock } = deps;
  const host = ServiceHost.for('auth-basic', 'AUTH_BASIC', config, deps);
  const { tls } = host;
  const trustedPeers = config.AUTH_BASIC_TRUST_PROXY;
  const clientIp = (req: Request): string => requestClientAddress(req, trustedPeers);

  const pool = new HashPool({ size: config.AUTH_BASIC_HASH_WORKERS, queueMax: config.AUTH_BASIC_HASH_QUEUE_MAX });
  const hasher = new PasswordHasher(pool, config.GATEHOUSE_SECRET, config.BCRYPT_COST, deps.onPasswordCompare);
  const policy = defaultPolicy(config.PASSWORD_MIN_LENGTH, config.PASSWORD_MAX_LENGTH);
  const users = new UserStore(store);
  const issuer =
    deps.sessionIssuer ?? createGrpcSessionIssuer(config.AUTH_BEARER_GRPC_ENDPOINT, { tls, deadlineMs: config.GATEHOUSE_GRPC_DEADLINE });
  const peer = deps.sessionIssuer ? undefined : grpcPeerCheck('auth-bearer', config.AUTH_BEARER_GRPC_ENDPOINT, tls);
  const mailer =
    deps.mailer ??
    (config.SMTP_URL
      ? createSmtpMailer(config.SMTP_URL, config.EMAIL_FROM)
      : createOutboxMailer(config.AUTH_BASIC_OUTBOX_DIR, config.EMAIL_FROM, logger));
  const limiter = new LoginLimiter(
    new StoreFailureCounters(deps.limiterStore ?? store, clock),
    new BoundedFailureCounters(clock, config.LOGIN_FALLBACK_MAX_ENTRIES),
    clock,
    {
      windowMs: config.LOGIN_FAILURE_WINDOW,
      accountFree: config.LOGIN_ACCOUNT_FREE_ATTEMPTS,
      ipFree: config.LOGIN_IP_FREE_ATTEMPTS,
      baseDelayMs: config.LOGIN_DELAY_BASE,
      maxDelayMs: config.LOGIN_DELAY_MAX,
      leaseMs: config.LOGIN_ATTEMPT_LEASE,
    },
    logger,
  );
  const publish = createUserEventPublisher(bus, clock, logger);

  const outbox = new RevocationOutbox(
    { store, bus, clock, logger, revokeUser: (userId, reason, changeId) => issuer.revokeUser(userId, reason, changeId) },
    { minDelayMs: config.AUTH_BASIC_REVOCATION_RETRY_MIN, maxDelayMs: config.AUTH_BASIC_REVOCATION_RETRY_MAX },
  );
  outbox.start();
  const directory = new UserAdministration({ users, hasher, policy, outbox, publish, clock, logger });
  const totp = new TotpService(
    {
      users,
      store: new TotpStore(store),
      hasher,
      limiter,
      clock,
      issuer: config.TOTP_ISSUER,
      recoveryCodes: config.TOTP_RECOVERY_CODES,
      enrollmentTtlMs: config.TOTP_ENROLLMENT_TTL,
    },
    config.GATEHOUSE_SECRET,
  );
  const authenticator = new PasswordAuthenticator({ users, hasher, limiter, totp, logger });
  const own = authBasicMetrics(host.metrics, pool);
  const externalSignIn = new ExternalSignIn({ users, directory, logger });
  const login = new LoginFlow({
    authenticator,
    issuer,
    stallMs: config.LOGIN_STALL_TIME,
    clientId: config.LOGIN_CLIENT_ID,
    onOutcome: (outcome) => own.login(outcome),
  });
  const reset = new PasswordReset(
    { users, directory, tokens: new ResetTokenStore(store), throttle: new ResetThrottle(store), mailer, limiter, policy, clock, logger },
    {
      defaultResetUrl: new URL(config.PUBLIC_URL + config.PASSWORD_RESET_PATH),
      allowList: config.PASSWORD_RESET_URL_ALLOW_LIST,
      ttlMs: config.PASSWORD_RESET_TTL,
      stallMs: config.LOGIN_STALL_TIME,
      minIntervalMs: config.PASSWORD_RESET_MIN_INTERVAL,
    },
  );

  const { verifyIdentity } = host;
  const verifyAccessToken = createAccessTokenVerifier({
    issuer: config.PUBLIC_URL,
    audience: config.ACCESS_TOKEN_AUDIENCE,
    keys: deps.accessTokenKeys ?? new RemoteKeySource({ url: `${config.AUTH_BEARER_HTTP_ENDPOINT}/.well-known/jwks.json` }),
    clock,
  });
  const cookies = cookieSettingsFrom(config);

  const { http, grpc } = host;
  // GET /auth (the providers) is auth-bearer's, with the SSO routes.
  http.use(authRoutes({ login, reset, cookies, clock, clientIp }));
  http.use(graphqlRoutes({ login, reset, issuer, cookies, clock, clientIp, logger }));
  http.use(usersRoutes({ directory, totp, verifyIdentity, clientIp, pageMax: config.USERS_PAGE_MAX }));
  // Browser pages the proxy routes publicly: where PROXY_LOGIN_URL and the reset e-mails point.
  http.use(loginPage());
  http.use(
    resetPasswordPage({ path: config.PASSWORD_RESET_PATH, minLength: config.PASSWORD_MIN_LENGTH, maxLength: config.PASSWORD_MAX_LENGTH }),
  );

  const { protos } = host;
  grpc.add<UserServiceHandlers>(
    protos.gatehouse.v1.UserService.service,
    userServiceHandlers({
      directory,
      authenticator,
      externalSignIn,
      login,
      pageMax: config.USERS_PAGE_MAX,
      stallMs: config.LOGIN_STALL_TIME,
      trustedPeers,
    }),
  );
  grpc.add<LoginServiceHandlers>(
    protos.login.v1.LoginService.service,
    loginServiceHandlers({
      login,
      issuer,
      verifyAccessToken,
      tokenIssuer: config.PUBLIC_URL,
      trustedPeers,
      oidc: oidcInfo(config),
    }),
  );

  return {
    ...host.app({
      store,
      bus,
      // Ready when Redis, NATS (user events) and the service it calls (auth-bearer, for sessions) answer.
      checks: peer ? [peer] : [],
      afterClose: async () => {
        outbox.stop();
        await reset.drain();
        await pool.close();
        if (!deps.sessionIssuer) issuer.close();
        peer?.close();
        if (!deps.mailer) mailer.close();
      },
    }),
    drainMail: () => reset.drain(),
  };
}
