import { GatehouseError } from '@gatehouse/shared/errors';
import { accountClaims, type DirectoryUser } from '@gatehouse/shared/users';
import type { OpenSessionInput } from '../domain/sessions.js';

/** Who is signing in besides the provider's answer: the Gatehouse client and the end user's request. */
export interface SignInContext {
  /** The session's client: `gatehouse` for browser SSO, `gatehouse-cli` for the CLI login. */
  client_id: string;
  scopes: string[];
  ip: string;
  user_agent: string;
}

/**
 * The session of an account a provider signed in (the browser SSO, the CLI login at an external
 * provider or at the built-in IdP): the account's claims, `amr` from the provider, the client and
 * request of `ctx`. Only an active account gets one.
 */
export function signInSessionInput(user: DirectoryUser, amr: string[], ctx: SignInContext): OpenSessionInput {
  if (user.status !== 'active') throw new GatehouseError('USER_SUSPENDED', { detail: `user ${user.id} is ${user.status}` });
  return {
    ...accountClaims(user),
    client_id: ctx.client_id,
    amr,
    scopes: ctx.scopes,
    ip: ctx.ip,
    user_agent: ctx.user_agent,
  };
}
