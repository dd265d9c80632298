import type { ClientMetadata } from 'oidc-provider';
import { APIKEY_CALLBACK_PATH, APIKEY_CLIENT_AUTH_METHOD, APIKEY_CLIENT_ID, CLI_CLIENT_ID, builtinClientSecret } from '@gatehouse/shared';
import type { FileClient } from './clients-file.js';

export interface ClientsInput {
  GATEHOUSE_SECRET: string;
  PUBLIC_URL: string;
  AUTH_OIDC_CLI_CLIENT_SECRET?: string | undefined;
  /**
   * The CLI login's redirects besides loopback (AuthService checks them; gatehouse-cli, whose secret
   * only AuthService holds, must accept them too): one list for both.
   */
  AUTH_CLI_REDIRECT_ALLOW_LIST: string[];
  AUTH_OIDC_APIKEY_CLIENT_SECRET?: string | undefined;
  AUTH_OIDC_CLIENTS: FileClient[];
}

/** Neosync's CLI callback; as a native client's loopback URI it matches any port (RFC 8252 §7.3). */
const CLI_LOOPBACK = ['http://127.0.0.1/api/auth/callback', 'http://[::1]/api/auth/callback'];

/** Clients that AUTH_OIDC_CLIENTS registers are third parties: their tokens are delegated credentials. */
export const FIRST_PARTY_CLIENTS: ReadonlySet<string> = new Set([CLI_CLIENT_ID, APIKEY_CLIENT_ID]);

/**
 * Every client of the built-in provider: gatehouse-cli and gatehouse-apikey (confidential, secrets
 * configured or derived from GATEHOUSE_SECRET; gatehouse-cli with client_secret_post, openid-client's
 * default for a secret; gatehouse-apikey exactly as auth-apikey presents itself), then AUTH_OIDC_CLIENTS.
 */
export function idpClients(c: ClientsInput): ClientMetadata[] {
  return [
    {
      client_id: CLI_CLIENT_ID,
      client_secret: c.AUTH_OIDC_CLI_CLIENT_SECRET ?? builtinClientSecret(c.GATEHOUSE_SECRET, CLI_CLIENT_ID),
      client_name: 'Gatehouse CLI',
      application_type: 'native',
      redirect_uris: [...new Set([...CLI_LOOPBACK, ...c.AUTH_CLI_REDIRECT_ALLOW_LIST])],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
    {
      client_id: APIKEY_CLIENT_ID,
      client_secret: c.AUTH_OIDC_APIKEY_CLIENT_SECRET ?? builtinClientSecret(c.GATEHOUSE_SECRET, APIKEY_CLIENT_ID),
      client_name: 'Gatehouse API keys',
      application_type: 'web',
      redirect_uris: [c.PUBLIC_URL + APIKEY_CALLBACK_PATH],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: APIKEY_CLIENT_AUTH_METHOD,
    },
    ...c.AUTH_OIDC_CLIENTS.map((f): ClientMetadata => ({ ...f })),
  ];
}
