import { GatehouseError } from '../errors.js';
import { isDelegatedCredential, type IdentityClaims } from './identity-token.js';

/**
 * The verified caller when it is the user in person, for whatever manages credentials or sessions.
 * No identity → UNAUTHENTICATED. An app token, an API-key token, a third-party app's token from the
 * built-in IdP (amr `oidc_client`) or a service acting for the user (`act`) → FORBIDDEN: a delegated credential never administers (a leaked one must not mint, list or
 * end others). `what` names the thing in the message ("App tokens", "Sessions", "API keys").
 */
export function selfCaller(identity: IdentityClaims | undefined, what: string): IdentityClaims {
  if (!identity || typeof identity.sub !== 'string' || identity.sub === '') throw new GatehouseError('UNAUTHENTICATED');
  if (isDelegatedCredential(identity)) {
    throw new GatehouseError('FORBIDDEN', { message: `${what} cannot be managed with an app token, an API key or another app's token.` });
  }
  if (identity.act !== undefined)
    throw new GatehouseError('FORBIDDEN', { message: `${what} cannot be managed on behalf of another user.` });
  return identity;
}

/**
 * Whether the caller holds a delegated credential: an app token, an API key, a third-party app's
 * token, or anything carrying `act` (a service acting for the user). The one predicate behind
 * `selfCaller` and `requireIdentity({ inPerson })`.
 */
export function isDelegated(identity: Pick<IdentityClaims, 'auth_method' | 'amr' | 'act'>): boolean {
  return isDelegatedCredential(identity) || identity.act !== undefined;
}
