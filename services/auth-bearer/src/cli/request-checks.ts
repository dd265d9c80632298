import { GatehouseError } from '@gatehouse/shared/errors';

/** Sizes of what a CLI sends, checked before anything else looks at it. */
export const CLI_LIMITS = { stateLength: 512, codeLength: 2048, scopeLength: 1024, scopeCount: 20 } as const;

const refuse = (field: string, why: string) =>
  new GatehouseError('INVALID_PAYLOAD', { message: `${field} ${why}.`, extensions: { field } });

/** Visible ASCII without spaces (RFC 6749 §A.5 allows more; a CLI's random state never needs it). */
const VISIBLE = /^[\x21-\x7e]+$/;
/** RFC 6749 §3.3 scope-token (NQCHAR). */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,64}$/;
/** RFC 7636 §4.2: BASE64URL(SHA-256(verifier)) is 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
/** RFC 7636 §4.1. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** The client's state, required: the CLI checks it at its loopback listener (CSRF), the IdP echoes it. */
export function checkState(state: string): string {
  if (!state) throw refuse('state', 'is required');
  if (state.length > CLI_LIMITS.stateLength || !VISIBLE.test(state)) throw refuse('state', 'must be visible ASCII, at most 512 characters');
  return state;
}

/**
 * The requested scopes, space-separated; `openid` is required (the person is read from the ID
 * token). Empty: `openid`. Unknown scopes go to the IdP, which ignores or refuses them.
 */
export function checkScope(scope: string): string[] {
  if (scope.length > CLI_LIMITS.scopeLength) throw refuse('scope', 'is too long');
  const tokens = [...new Set(scope.split(' ').filter(Boolean))];
  if (tokens.length === 0) return ['openid'];
  if (tokens.length > CLI_LIMITS.scopeCount || !tokens.every((t) => SCOPE_TOKEN.test(t))) throw refuse('scope', 'is not a list of scopes');
  if (!tokens.includes('openid')) throw refuse('scope', 'must include openid');
  return tokens;
}

/** The PKCE challenge (extension field 4), S256 only; empty: no PKCE (seed clients). */
export function checkCodeChallenge(challenge: string): string | undefined {
  if (!challenge) return undefined;
  if (!S256_CHALLENGE.test(challenge)) throw refuse('code_challenge', 'must be an S256 challenge (43 base64url characters)');
  return challenge;
}

/** The PKCE verifier (extension field 3); empty: none was used. */
export function checkCodeVerifier(verifier: string): string | undefined {
  if (!verifier) return undefined;
  if (!VERIFIER.test(verifier)) throw refuse('code_verifier', 'must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~');
  return verifier;
}

export function checkCode(code: string): string {
  if (!code) throw refuse('code', 'is required');
  if (code.length > CLI_LIMITS.codeLength || !VISIBLE.test(code)) throw refuse('code', 'is not an authorization code');
  return code;
}
