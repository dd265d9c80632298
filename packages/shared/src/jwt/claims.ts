/** RFC 9068 access-token claims as Gatehouse issues them. */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  nbf?: number;
  jti: string;
  client_id: string;
  scope?: string;
  sid?: string;
  amr?: string[];
  roles?: string[];
  groups?: string[];
  email?: string;
  name?: string;
  /** RFC 8693 actor: who acts for `sub`. */
  act?: { sub: string };
  /** Minted from an API key (auth-apikey): the key's id (UUID) and generation, for revocation at the proxy. */
  api_key_id?: string;
  api_key_gen?: number;
  [claim: string]: unknown;
}

export const ACCESS_TOKEN_TYP = 'at+jwt';
