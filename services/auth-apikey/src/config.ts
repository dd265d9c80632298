import { z } from 'zod';
import {
  APIKEY_CALLBACK_PATH,
  APIKEY_CLIENT_ID,
  ConfigError,
  builtinApikeyClientEnv,
  builtinClientSecret,
  builtinIdpIssuer,
  commonEnv,
  env,
  insecureRequestsAllowed,
  loadConfig as loadEnv,
  type Env,
} from '@gatehouse/shared';

const urlList = env
  .list('')
  .refine((list) => list.every((u) => /^https?:\/\/[^\s]+$/.test(u) && URL.canParse(u)), 'expected a comma-separated list of http(s) URLs');
const scopeList = env
  .list('')
  .refine((list) => list.every((s) => /^[A-Za-z0-9][A-Za-z0-9:._/-]{0,63}$/.test(s)), 'expected scopes of letters, digits and : . _ / -');
/**
 * auth-apikey's environment. Every limit is named here.
 * - AUTH_APIKEY_OIDC_ISSUER_URL (PUBLIC_URL/oidc, the built-in IdP): where keys are authorized;
 *   plain http only on loopback.
 * - AUTH_APIKEY_OIDC_CLIENT_ID (gatehouse-apikey) / _CLIENT_SECRET: the confidential client. At the
 *   built-in IdP the secret is the one auth-bearer registers: AUTH_OIDC_APIKEY_CLIENT_SECRET, else
 *   builtinClientSecret(GATEHOUSE_SECRET, 'gatehouse-apikey'); any other issuer requires _CLIENT_SECRET.
 * - AUTH_APIKEY_SCOPES (none): the scopes a key may carry.
 * - AUTH_APIKEY_TOKEN_TTL (10m): lifetime of the tokens a key is exchanged for.
 * - AUTH_APIKEY_MAX_KEYS_PER_USER (50); AUTH_APIKEY_EXCHANGE_RATE_PER_KEY (60) and _PER_ADDRESS (600)
 *   per AUTH_APIKEY_EXCHANGE_RATE_WINDOW (1m).
 * - AUTH_APIKEY_REVOCATION_RETENTION (15m): how long a revocation stays on revoked:apikeys; must exceed
 *   the token TTL.
 */
export const configSchema = z
  .object({
    ...commonEnv,
    AUTH_APIKEY_HTTP_ADDR: env.addr('127.0.0.1:9240'),
    AUTH_APIKEY_GRPC_ADDR: env.addr('127.0.0.1:9241'),
    AUTH_APIKEY_DEBUG_ADDR: env.addr('127.0.0.1:9245'),
    AUTH_APIKEY_OIDC_ISSUER_URL: z.string().url().optional(),
    /** Where this service reaches the issuer from inside the deployment (back channel only); default: the issuer itself. */
    AUTH_APIKEY_OIDC_INTERNAL_URL: z
      .string()
      .regex(/^https?:\/\//, 'expected an http(s) URL')
      .pipe(z.string().url())
      .optional(),
    AUTH_APIKEY_OIDC_CLIENT_ID: z
      .string()
      .regex(/^[\w.:-]{1,128}$/)
      .default(APIKEY_CLIENT_ID),
    AUTH_APIKEY_OIDC_CLIENT_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    /** The built-in IdP's gatehouse-apikey secret, the variable auth-bearer registers it from. */
    ...builtinApikeyClientEnv,
    AUTH_APIKEY_OIDC_SCOPE: z
      .string()
      .regex(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, 'expected space-separated scopes')
      .refine((s) => s.split(' ').includes('openid'), 'must include openid')
      .default('openid offline_access'),
    AUTH_APIKEY_OIDC_IDENTITY_CLAIM: z.enum(['sub', 'email']).default('sub'),
    AUTH_APIKEY_OIDC_TIMEOUT: env.duration('5s').refine((ms) => ms >= 100, 'must be at least 100ms'),
    AUTH_APIKEY_SCOPES: scopeList,
    AUTH_APIKEY_TOKEN_TTL: env.duration('10m').refine((ms) => ms >= 1000, 'must be at least 1s'),
    AUTH_APIKEY_MAX_KEYS_PER_USER: env.int(50, 1, 10_000),
    AUTH_APIKEY_MAX_NAME_LENGTH: env.int(200, 1, 1000),
    AUTH_APIKEY_EXCHANGE_RATE_PER_KEY: env.int(60, 1, 1_000_000),
    AUTH_APIKEY_EXCHANGE_RATE_PER_ADDRESS: env.int(600, 1, 1_000_000),
    AUTH_APIKEY_EXCHANGE_RATE_WINDOW: env.duration('1m').refine((ms) => ms >= 1000, 'must be at least 1s'),
    AUTH_APIKEY_LAST_USED_INTERVAL: env.duration('1m'),
    AUTH_APIKEY_STATE_TTL: env.duration('10m').refine((ms) => ms >= 1000, 'must be at least 1s'),
    AUTH_APIKEY_GRANT_MAX_AGE: env.duration('1h').refine((ms) => ms >= 1000, 'must be at least 1s'),
    AUTH_APIKEY_REDIRECT_ALLOW_LIST: urlList,
    AUTH_APIKEY_REVOCATION_RETENTION: env.duration('15m'),
    AUTH_APIKEY_REVOKE_ON_PASSWORD_CHANGE: env.bool(true),
    /** Peers whose x-forwarded-for is believed (the shared trusted-peer list, as AUTH_BASIC_TRUST_PROXY). */
    AUTH_APIKEY_TRUST_PROXY: env.trustedPeers('loopback'),
  })
  .strip();

export type Config = z.infer<typeof configSchema> & {
  /** The issuer in effect (the built-in IdP's PUBLIC_URL/oidc unless set). */
  oidcIssuer: string;
  /** The client secret in effect (derived for the built-in IdP unless set). */
  oidcClientSecret: string;
  /** PUBLIC_URL/apikey/oauthcallback: the redirect_uri registered at the IdP. */
  callbackUrl: string;
};

export function loadConfig(e: Env): Config {
  const c = loadEnv(configSchema, e);
  const problems: string[] = [];
  const issuer = (c.AUTH_APIKEY_OIDC_ISSUER_URL ?? builtinIdpIssuer(c.PUBLIC_URL)).replace(/\/+$/, '');
  const builtin = issuer === builtinIdpIssuer(c.PUBLIC_URL);
  if (!issuer.startsWith('https:') && !insecureRequestsAllowed(issuer))
    problems.push('AUTH_APIKEY_OIDC_ISSUER_URL: must be https (plain http only on loopback)');
  if (!c.AUTH_APIKEY_OIDC_CLIENT_SECRET && !builtin)
    problems.push(
      'AUTH_APIKEY_OIDC_CLIENT_SECRET: required (set AUTH_APIKEY_OIDC_CLIENT_SECRET or _FILE) for an issuer other than the built-in IdP',
    );
  // The built-in IdP registers only gatehouse-apikey, with AUTH_OIDC_APIKEY_CLIENT_SECRET or the derived secret.
  if (builtin && c.AUTH_APIKEY_OIDC_CLIENT_ID !== APIKEY_CLIENT_ID && !c.AUTH_APIKEY_OIDC_CLIENT_SECRET)
    problems.push(`AUTH_APIKEY_OIDC_CLIENT_ID: the built-in IdP knows only ${APIKEY_CLIENT_ID} (or set AUTH_APIKEY_OIDC_CLIENT_SECRET)`);
  if (
    builtin &&
    c.AUTH_APIKEY_OIDC_CLIENT_SECRET !== undefined &&
    c.AUTH_OIDC_APIKEY_CLIENT_SECRET !== undefined &&
    c.AUTH_APIKEY_OIDC_CLIENT_SECRET !== c.AUTH_OIDC_APIKEY_CLIENT_SECRET
  )
    problems.push('AUTH_APIKEY_OIDC_CLIENT_SECRET: differs from AUTH_OIDC_APIKEY_CLIENT_SECRET, the secret the built-in IdP registers');
  if (c.AUTH_APIKEY_REVOCATION_RETENTION <= c.AUTH_APIKEY_TOKEN_TTL)
    problems.push('AUTH_APIKEY_REVOCATION_RETENTION: must exceed AUTH_APIKEY_TOKEN_TTL (revocations must outlive the tokens they void)');
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...c,
    oidcIssuer: issuer,
    oidcClientSecret:
      c.AUTH_APIKEY_OIDC_CLIENT_SECRET ?? c.AUTH_OIDC_APIKEY_CLIENT_SECRET ?? builtinClientSecret(c.GATEHOUSE_SECRET, APIKEY_CLIENT_ID),
    callbackUrl: `${c.PUBLIC_URL}${APIKEY_CALLBACK_PATH}`,
  };
}
