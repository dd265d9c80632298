import { z } from 'zod';
import { builtinApikeyClientEnv, builtinIdpEnv, env } from '@gatehouse/shared';
import { fileClientsSchema } from './clients-file.js';

/** The built-in OpenID Provider's variables, spread into auth-bearer's config schema. */
export const idpEnv = {
  ...builtinIdpEnv,
  /** JSON array of further OIDC clients (set AUTH_OIDC_CLIENTS_FILE to a path): see clients-file.ts. */
  AUTH_OIDC_CLIENTS: fileClientsSchema,
  /** gatehouse-cli's secret; unset: derived from GATEHOUSE_SECRET. Only auth-bearer needs it. */
  AUTH_OIDC_CLI_CLIENT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** gatehouse-apikey's secret; unset: derived from GATEHOUSE_SECRET. auth-apikey reads the same variable. */
  ...builtinApikeyClientEnv,
  /** Lifetime of an authorization code. */
  AUTH_OIDC_CODE_TTL: env.duration('60s'),
  /** How long a sign-in (login and consent pages) may take. */
  AUTH_OIDC_INTERACTION_TTL: env.duration('10m'),
  /** How long a browser stays signed in at the provider (later authorizations skip the password). */
  AUTH_OIDC_LOGIN_TTL: env.duration('1h'),
  /** Largest login or consent form body. */
  AUTH_OIDC_MAX_FORM_BYTES: env.int(8192, 1024, 65536),
  /** Deadline of the password check at auth-basic: covers its LOGIN_STALL_TIME and bcrypt queue. */
  AUTH_OIDC_LOGIN_DEADLINE: env.duration('10s'),
};

export type IdpConfig = z.infer<z.ZodObject<typeof idpEnv>>;
