import { z } from 'zod';
import { ConfigError, env, loadConfig, resolveFileVariants, type Env } from '../config.js';
import { isLoopbackHost } from '../net/loopback-host.js';

/**
 * External identity providers, configured the Directus way: `AUTH_PROVIDERS=keycloak,google` and,
 * per provider, `AUTH_<NAME>_<SETTING>`. The names are dynamic, so they cannot be keys of a zod
 * object schema: services keep `AUTH_PROVIDERS` in their schema and read the per-provider variables
 * here, every problem reported together with the rest of the configuration.
 */
export const PROVIDER_SETTINGS = [
  'DRIVER',
  'CLIENT_ID',
  'CLIENT_SECRET',
  'ISSUER_URL',
  'AUTHORIZE_URL',
  'ACCESS_URL',
  'PROFILE_URL',
  'SCOPE',
  'IDENTIFIER_KEY',
  'ALLOW_PUBLIC_REGISTRATION',
  'DEFAULT_ROLE_ID',
  'MODE',
  'REDIRECT_ALLOW_LIST',
  'ICON',
  'LABEL',
  'TRUST_ACCESS_TOKENS',
  'AUDIENCE',
] as const;
export type ProviderSetting = (typeof PROVIDER_SETTINGS)[number];

/** Names Gatehouse's own variables use (AUTH_BASIC_*, AUTH_BEARER_*, AUTH_OIDC_*, …) or routes take. */
export const RESERVED_PROVIDER_NAMES: readonly string[] = ['local', 'basic', 'bearer', 'app', 'apikey', 'cli', 'oidc'];

/** Lower-case letters and digits: one spelling in URLs (`/auth/login/<name>`) and one in variables. */
const PROVIDER_NAME = /^[a-z][a-z0-9]{0,31}$/;

export const providerVariable = (name: string, setting: ProviderSetting): string => `AUTH_${name.toUpperCase()}_${setting}`;

export type ProviderDriver = 'openid' | 'oauth2';

export interface ProviderConfig {
  name: string;
  driver: ProviderDriver;
  clientId: string | undefined;
  clientSecret: string | undefined;
  /** openid: the issuer (a full discovery URL is reduced to it). */
  issuer: string | undefined;
  authorizeUrl: string | undefined;
  accessUrl: string | undefined;
  profileUrl: string | undefined;
  scope: string[];
  identifierKey: string;
  allowPublicRegistration: boolean;
  defaultRoleId: string | undefined;
  mode: 'session' | 'cookie';
  redirectAllowList: string[];
  icon: string | undefined;
  label: string | undefined;
  trustAccessTokens: boolean;
  audience: string | undefined;
  /** Plain http is allowed only for loopback hosts (development, tests). */
  allowInsecureRequests: boolean;
}

/** What a service needs of each provider: auth-bearer signs users in, the proxy trusts access tokens. */
export type ProviderUse = 'sso' | 'access-tokens';

/** The settings each use reads; the others may be set (one env for all-in-one) but are not checked. */
export const PROVIDER_SETTINGS_READ: Record<ProviderUse, readonly ProviderSetting[]> = {
  sso: PROVIDER_SETTINGS.filter((s) => s !== 'TRUST_ACCESS_TOKENS' && s !== 'AUDIENCE'),
  'access-tokens': ['DRIVER', 'CLIENT_ID', 'ISSUER_URL', 'IDENTIFIER_KEY', 'TRUST_ACCESS_TOKENS', 'AUDIENCE'],
};

const DISCOVERY_SUFFIX = '/.well-known/openid-configuration';

/** https, or http on a loopback host; no credentials, query or fragment (an endpoint, not a link). */
const endpointUrl = z.string().transform((v, ctx) => {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected an absolute URL' });
    return z.NEVER;
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname))) {
    ctx.addIssue({ code: 'custom', message: 'must be https (plain http only on loopback hosts)' });
    return z.NEVER;
  }
  if (u.username || u.password || u.hash) {
    ctx.addIssue({ code: 'custom', message: 'must not carry credentials or a fragment' });
    return z.NEVER;
  }
  return u.href;
});

const settingSchemas = {
  /** `openid` (endpoints from the issuer's discovery document) or `oauth2` (the three URLs below). */
  DRIVER: z.enum(['openid', 'oauth2']),
  /** The client registered at the provider (required at auth-bearer). */
  CLIENT_ID: z.string().min(1).optional(),
  /** The client's secret (`_FILE` for a path); unset: a public client (PKCE only). */
  CLIENT_SECRET: z.string().min(1).optional(),
  /** openid: the issuer or its full discovery URL (…/.well-known/openid-configuration). */
  ISSUER_URL: endpointUrl.optional(),
  /** oauth2: the authorization endpoint. */
  AUTHORIZE_URL: endpointUrl.optional(),
  /** oauth2: the token endpoint. */
  ACCESS_URL: endpointUrl.optional(),
  /** oauth2: the profile (JSON) endpoint. */
  PROFILE_URL: endpointUrl.optional(),
  /** Space- or comma-separated; unset: `openid profile email` (oauth2: `email`). */
  SCOPE: z.string().optional(),
  /** The claim that identifies the person at the provider; unset: `sub` (oauth2: `email`). */
  IDENTIFIER_KEY: z
    .string()
    .regex(/^[\w.:-]{1,64}$/, 'expected a claim name')
    .optional(),
  /** Create an account for an unknown person (verified e-mail only). */
  ALLOW_PUBLIC_REGISTRATION: env.bool(false),
  /** The role of accounts created through the provider. */
  DEFAULT_ROLE_ID: z
    .string()
    .regex(/^[\w.:@/-]{1,128}$/, 'expected a role identifier')
    .optional(),
  /** `session`: the session cookie; `cookie`: the refresh cookie (the app calls /auth/refresh). */
  MODE: z.enum(['session', 'cookie']).default('session'),
  /** Absolute URLs `redirect` may name after the login (same origin and path); relative paths always may. */
  REDIRECT_ALLOW_LIST: env.list(''),
  /** Icon name shown by GET /auth. */
  ICON: z.string().max(64).optional(),
  /** Label shown by GET /auth. */
  LABEL: z.string().max(128).optional(),
  /** The proxy accepts the provider's access tokens for the local account they map to (driver openid). */
  TRUST_ACCESS_TOKENS: env.bool(false),
  /** The audience of the provider's access tokens meant for Gatehouse (required with TRUST_ACCESS_TOKENS; not the client id). */
  AUDIENCE: z.string().min(1).optional(),
} satisfies Record<ProviderSetting, z.ZodType>;

/** The schema of each provider setting (the generated variable tables read defaults and comments from it). */
export const PROVIDER_SETTING_SCHEMAS: Readonly<Record<ProviderSetting, z.ZodType>> = settingSchemas;

const providerSchema = z.object(settingSchemas);
type ParsedProvider = z.infer<typeof providerSchema>;

/** The settings cross-checks look at: presence, the driver, whether tokens are trusted. */
type CrossCheckInput = Partial<Record<ProviderSetting, string | undefined>> & { TRUST: boolean };

/** Problems that span settings (also when single settings are bad: every problem at once); full variable names. */
function crossChecks(name: string, p: CrossCheckInput, use: ProviderUse): string[] {
  const v = (s: ProviderSetting) => providerVariable(name, s);
  const out: string[] = [];
  const need = (s: ProviderSetting, value: unknown, why: string) => {
    if (value === undefined) out.push(`${v(s)}: required (${why})`);
  };
  if (use === 'sso') {
    need('CLIENT_ID', p.CLIENT_ID, 'every provider');
    if (p.DRIVER === 'openid') need('ISSUER_URL', p.ISSUER_URL, 'driver openid');
    if (p.DRIVER === 'oauth2') {
      need('AUTHORIZE_URL', p.AUTHORIZE_URL, 'driver oauth2');
      need('ACCESS_URL', p.ACCESS_URL, 'driver oauth2');
      need('PROFILE_URL', p.PROFILE_URL, 'driver oauth2');
    }
  }
  if (use === 'access-tokens' && p.TRUST) {
    if (p.DRIVER !== 'openid') out.push(`${v('TRUST_ACCESS_TOKENS')}: needs driver openid (issuer, JWKS from discovery)`);
    need('ISSUER_URL', p.ISSUER_URL, 'TRUST_ACCESS_TOKENS');
    need('AUDIENCE', p.AUDIENCE, 'TRUST_ACCESS_TOKENS: the audience of the access tokens meant for Gatehouse');
    // An ID token's audience is the client id: accepting that audience would let an ID token pass as an access token.
    if (p.AUDIENCE !== undefined && p.AUDIENCE === p.CLIENT_ID) out.push(`${v('AUDIENCE')}: must differ from the client id`);
  }
  return out;
}

function toProvider(name: string, p: ParsedProvider): ProviderConfig {
  const urls = [p.ISSUER_URL, p.AUTHORIZE_URL, p.ACCESS_URL, p.PROFILE_URL].filter((u): u is string => u !== undefined);
  const issuer = p.ISSUER_URL === undefined ? undefined : issuerOf(p.ISSUER_URL);
  return {
    name,
    driver: p.DRIVER,
    clientId: p.CLIENT_ID,
    clientSecret: p.CLIENT_SECRET,
    issuer,
    authorizeUrl: p.AUTHORIZE_URL,
    accessUrl: p.ACCESS_URL,
    profileUrl: p.PROFILE_URL,
    scope: (p.SCOPE ?? (p.DRIVER === 'openid' ? 'openid profile email' : 'email')).split(/[\s,]+/).filter(Boolean),
    identifierKey: p.IDENTIFIER_KEY ?? (p.DRIVER === 'openid' ? 'sub' : 'email'),
    allowPublicRegistration: p.ALLOW_PUBLIC_REGISTRATION,
    defaultRoleId: p.DEFAULT_ROLE_ID,
    mode: p.MODE,
    redirectAllowList: p.REDIRECT_ALLOW_LIST,
    icon: p.ICON,
    label: p.LABEL,
    trustAccessTokens: p.TRUST_ACCESS_TOKENS,
    audience: p.AUDIENCE,
    allowInsecureRequests: urls.some((u) => u.startsWith('http:')),
  };
}

/** The issuer for ISSUER_URL given as the issuer or as its full discovery URL (both accepted). */
export function issuerOf(issuerUrl: string): string {
  const u = issuerUrl.endsWith(DISCOVERY_SUFFIX) ? issuerUrl.slice(0, -DISCOVERY_SUFFIX.length) : issuerUrl;
  // `new URL` adds a lone `/` to a bare origin; the issuer as the IdP spells it has none.
  return new URL(u).pathname === '/' ? u.replace(/\/$/, '') : u;
}

/**
 * Reads AUTH_PROVIDERS and every AUTH_<NAME>_* variable of the listed providers. Pushes every
 * problem (refused or repeated names, missing or bad settings, unknown settings of a listed
 * provider: a typo must not silently drop a security setting) into `problems`.
 */
export function readProviders(e: Env, use: ProviderUse, problems: string[]): ProviderConfig[] {
  const names = (e.AUTH_PROVIDERS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const seen = new Set<string>();
  const out: ProviderConfig[] = [];
  for (const name of names) {
    if (!PROVIDER_NAME.test(name)) {
      problems.push(`AUTH_PROVIDERS: "${name}" is not a provider name (lower-case letters and digits, starting with a letter)`);
      continue;
    }
    if (RESERVED_PROVIDER_NAMES.includes(name)) {
      problems.push(`AUTH_PROVIDERS: "${name}" is reserved (${RESERVED_PROVIDER_NAMES.join(', ')} name Gatehouse's own settings)`);
      continue;
    }
    if (seen.has(name)) {
      problems.push(`AUTH_PROVIDERS: "${name}" is listed twice`);
      continue;
    }
    seen.add(name);
    const prefix = `AUTH_${name.toUpperCase()}_`;
    const known = new Set(PROVIDER_SETTINGS.map((s) => providerVariable(name, s)));
    for (const key of Object.keys(e)) {
      if (!key.startsWith(prefix) || e[key] === undefined) continue;
      if (!known.has(key) && !(key.endsWith('_FILE') && known.has(key.slice(0, -5))))
        problems.push(`${key}: unknown setting of provider "${name}" (known: ${PROVIDER_SETTINGS.join(', ')})`);
    }
    const read = PROVIDER_SETTINGS_READ[use];
    // Secrets may come from files (AUTH_<NAME>_CLIENT_SECRET_FILE), like every other variable.
    const resolved = resolveFileVariants(e, problems, new Set(read.map((s) => providerVariable(name, s))));
    const raw: Env = {};
    for (const s of read) {
      const value = resolved[providerVariable(name, s)];
      if (value !== undefined && value !== '') raw[s] = value;
    }
    const parsed = providerSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const setting = String(issue.path[0] ?? '');
        const variable = providerVariable(name, setting as ProviderSetting);
        problems.push(raw[setting] === undefined ? `${variable}: required` : `${variable}: ${issue.message}`);
      }
    }
    const trust = parsed.success ? parsed.data.TRUST_ACCESS_TOKENS : ['true', '1', 'yes'].includes(raw.TRUST_ACCESS_TOKENS ?? '');
    const cross = crossChecks(name, { ...raw, TRUST: trust }, use);
    problems.push(...cross);
    if (parsed.success && cross.length === 0) out.push(toProvider(name, parsed.data));
  }
  return out;
}

/**
 * A service's config with its providers: the zod schema (which has AUTH_PROVIDERS) and the dynamic
 * provider variables, every problem of both listed in one ConfigError.
 */
export function loadConfigWithProviders<S extends z.ZodType>(
  schema: S,
  e: Env,
  use: ProviderUse,
): z.infer<S> & { providers: ProviderConfig[] } {
  const problems: string[] = [];
  let base: z.infer<S> | undefined;
  try {
    base = loadConfig(schema, e);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  const providers = readProviders(e, use, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.assign({}, base, { providers });
}

/**
 * The value of a provider's identifier claim (AUTH_<NAME>_IDENTIFIER_KEY) as the external id: a
 * string as it is, an integer (GitHub's `id`) in decimal; anything else is no identifier. The same
 * reading at SSO login (auth-bearer) and for access tokens (proxy), so both find the same account.
 */
export function externalIdOf(claims: Record<string, unknown>, identifierKey: string): string | undefined {
  const v = claims[identifierKey];
  if (typeof v === 'string' && v !== '' && v.length <= 1024) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return undefined;
}

/** The AUTH_PROVIDERS entry of a service schema. */
export const providersEnv = {
  /** Comma-separated provider names; each is configured by AUTH_<NAME>_* (see readProviders). */
  AUTH_PROVIDERS: z.string().default(''),
};
