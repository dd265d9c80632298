import { z } from 'zod';
import { env } from '../config.js';
import { deriveKey } from '../crypto.js';

/**
 * The built-in OpenID Provider (auth-bearer, oidc-provider) as the other services see it: where it
 * lives, its first-party clients, and the switch. auth-basic (GetOIDCInfo), the proxy (which
 * accepts its access tokens) and auth-apikey (its client) read the same values.
 */
export const builtinIdpEnv = {
  /** Serve the built-in OpenID Provider at PUBLIC_URL/oidc (auth-bearer); false: /oidc is 404. */
  AUTH_OIDC_BUILTIN: env.bool(true),
};

/** Where auth-bearer mounts the provider, under PUBLIC_URL. */
export const BUILTIN_IDP_PATH = '/oidc';
/** The confidential client the Neosync AuthService signs CLIs in through (issue 12). */
export const CLI_CLIENT_ID = 'gatehouse-cli';
/** auth-apikey's confidential client (issue 13). */
export const APIKEY_CLIENT_ID = 'gatehouse-apikey';
/** auth-apikey's redirect URI under PUBLIC_URL. */
export const APIKEY_CALLBACK_PATH = '/apikey/oauthcallback';
/**
 * How auth-apikey authenticates at the token endpoint (HTTP Basic, RFC 6749 §2.3.1, what every IdP
 * must support), and so what the built-in IdP registers gatehouse-apikey with. oidc-provider 9
 * takes Basic and client_secret_post alike for either registration; an external IdP may not.
 */
export const APIKEY_CLIENT_AUTH_METHOD = 'client_secret_basic';

/**
 * gatehouse-apikey's secret at the built-in IdP, read by auth-bearer (which registers the client)
 * and auth-apikey (which presents it): one variable, so the two cannot disagree. Unset: both derive it.
 */
export const builtinApikeyClientEnv = {
  AUTH_OIDC_APIKEY_CLIENT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
};

/** The built-in provider's issuer: PUBLIC_URL/oidc. */
export function builtinIdpIssuer(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, '') + BUILTIN_IDP_PATH;
}

/**
 * A first-party client's secret when none is configured: derived from GATEHOUSE_SECRET, so
 * auth-bearer and auth-apikey agree without another shared variable, and nobody without the
 * master secret can compute it. 256 bits, base64url.
 */
export function builtinClientSecret(gatehouseSecret: string, clientId: string): string {
  return deriveKey(gatehouseSecret, `oidc-client:${clientId}`).toString('base64url');
}
