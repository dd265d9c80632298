import { randomToken, sha256 } from '@gatehouse/shared/crypto';

export interface AuthorizationSecrets {
  /** Random, single use, never the key id: a guessable state would let anyone's key be authorized by someone else. */
  state: string;
  /** PKCE (RFC 7636): the verifier stays here, the S256 challenge goes to the IdP. */
  codeVerifier: string;
  codeChallenge: string;
  nonce: string;
}

/** Fresh state, PKCE verifier (256 bits, S256 challenge) and nonce for one authorization. */
export function newAuthorizationSecrets(): AuthorizationSecrets {
  const codeVerifier = randomToken(32);
  return { state: randomToken(32), codeVerifier, codeChallenge: sha256(codeVerifier), nonce: randomToken(16) };
}
