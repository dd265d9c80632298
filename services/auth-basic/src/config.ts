import { z } from 'zod';
import { builtinIdpEnv, commonEnv, cookieEnv, env, loadConfig as loadWith, type Env } from '@gatehouse/shared';

const optionalUrl = z.string().url().optional();

/** auth-basic's environment. Every limit is named here, with its default. */
export const configSchema = z.object({
  ...commonEnv,
  ...cookieEnv,
  AUTH_BASIC_HTTP_ADDR: env.addr('127.0.0.1:9220'),
  AUTH_BASIC_GRPC_ADDR: env.addr('127.0.0.1:9221'),
  AUTH_BASIC_DEBUG_ADDR: env.addr('127.0.0.1:9225'),
  /** auth-bearer's HTTP base URL: its JWKS verifies the access token LoginService.Logout receives. */
  AUTH_BEARER_HTTP_ENDPOINT: z
    .string()
    .url()
    .default('http://127.0.0.1:9210')
    .transform((u) => u.replace(/\/+$/, '')),
  /**
   * Peers whose X-Forwarded-For is believed for the client's address (per-IP login limits): a
   * trusted-peer list, same syntax and meaning as AUTH_BEARER_TRUST_PROXY (IPs, CIDRs, loopback,
   * linklocal, uniquelocal; `false` trusts nobody).
   */
  AUTH_BASIC_TRUST_PROXY: env.trustedPeers('loopback'),
  /** client_id of the sessions opened by password logins. */
  LOGIN_CLIENT_ID: z.string().min(1).default('gatehouse'),
  /**
   * Retry of a user revocation (disable, suspend, delete, password change) that did not reach
   * auth-bearer or NATS: first after MIN (also how often the outbox is drained), then about doubling
   * up to MAX, until delivered.
   */
  AUTH_BASIC_REVOCATION_RETRY_MIN: env.duration('1s').refine((ms) => ms >= 100, 'AUTH_BASIC_REVOCATION_RETRY_MIN: at least 100ms'),
  /** The longest delay between two retries of an undelivered user revocation (see AUTH_BASIC_REVOCATION_RETRY_MIN). */
  AUTH_BASIC_REVOCATION_RETRY_MAX: env.duration('30s'),

  // Passwords
  BCRYPT_COST: env.int(11, 4, 15),
  /** Hashing threads; 0 = one per core. */
  AUTH_BASIC_HASH_WORKERS: env.int(0, 0, 64),
  /** Hash jobs waiting for a thread; beyond it, REQUESTS_EXCEEDED. */
  AUTH_BASIC_HASH_QUEUE_MAX: env.int(64, 1, 100_000),
  PASSWORD_MIN_LENGTH: env.int(8, 8, 256),
  PASSWORD_MAX_LENGTH: env.int(256, 8, 1024),

  // Login
  /** Every login response takes at least this long (no timing oracle on which e-mails exist). */
  LOGIN_STALL_TIME: env.duration('500ms'),
  /** Failures counted per account and per IP within this window. */
  LOGIN_FAILURE_WINDOW: env.duration('15m'),
  LOGIN_ACCOUNT_FREE_ATTEMPTS: env.int(5, 0, 1000),
  LOGIN_IP_FREE_ATTEMPTS: env.int(20, 0, 100_000),
  /** First delay after the free attempts; it doubles with every further failure, up to the max. */
  LOGIN_DELAY_BASE: env.duration('1s'),
  LOGIN_DELAY_MAX: env.duration('15m'),
  /**
   * How long a login attempt stays reserved (counted as in flight) without a verdict: covers the
   * hash queue and bcrypt; a crashed instance's reservations end after it.
   */
  LOGIN_ATTEMPT_LEASE: env.duration('30s'),
  /**
   * Cap on the subjects (accounts + IPs) the in-memory fallback limiter tracks while the limiter's
   * store is down. When full it evicts the least recently failed entry not in a delay; when every
   * entry is in a delay, new subjects get REQUESTS_EXCEEDED until one ends (fails closed).
   */
  LOGIN_FALLBACK_MAX_ENTRIES: env.int(10_000, 2, 10_000_000),

  // TOTP
  TOTP_ISSUER: z.string().min(1).default('Gatehouse'),
  TOTP_RECOVERY_CODES: env.int(10, 1, 50),
  /** How long a generated but not yet enabled secret stays claimable. */
  TOTP_ENROLLMENT_TTL: env.duration('10m'),

  // Password reset
  PASSWORD_RESET_TTL: env.duration('1h'),
  /**
   * At most one reset e-mail per address within this interval (mailbox flooding); requests inside
   * it get the usual answer but send nothing and leave the live token alone. 0 disables.
   */
  PASSWORD_RESET_MIN_INTERVAL: env.duration('60s'),
  PASSWORD_RESET_URL_ALLOW_LIST: env.list(''),
  /** Path of the default reset page under PUBLIC_URL. */
  PASSWORD_RESET_PATH: z
    .string()
    .regex(/^\/[^/\\]/, 'must be an absolute path')
    .default('/admin/reset-password'),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'expected smtp:// or smtps://')
    .optional(),
  EMAIL_FROM: z.string().min(3).default('Gatehouse <no-reply@localhost>'),
  /** Without SMTP_URL, reset e-mails are written here (and the link logged): dev/all-in-one only. */
  AUTH_BASIC_OUTBOX_DIR: z.string().default('./.gatehouse/outbox'),

  // LoginService.GetOIDCInfo: OIDC_ISSUER names another provider; unset, the built-in one (PUBLIC_URL/oidc,
  // client gatehouse-cli) while AUTH_OIDC_BUILTIN is on, else NOT_FOUND.
  ...builtinIdpEnv,
  OIDC_ISSUER: optionalUrl,
  OIDC_AUTH_URL: optionalUrl,
  OIDC_CLIENT_ID: z.string().optional(),
  OIDC_REDIRECT_URL: optionalUrl,

  /** Largest page of ListUsers / GET /users. */
  USERS_PAGE_MAX: env.int(100, 1, 1000),
});

export type Config = z.infer<typeof configSchema>;

export function loadConfig(e: Env): Config {
  return loadWith(configSchema, e);
}
