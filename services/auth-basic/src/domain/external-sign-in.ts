import { GatehouseError } from '@gatehouse/shared/errors';
import { LOCAL_PROVIDER, type UserRecord } from './user.js';

/** What a provider asserted about the person, and its policy (AUTH_<NAME>_*). */
export interface ExternalSignInRequest {
  provider: string;
  external_id: string;
  /** Normalized e-mail, or undefined when the provider gave none. */
  email: string | undefined;
  email_verified: boolean;
  name: string;
  allow_registration: boolean;
  default_role: string | undefined;
}

export type ExternalSignInDecision = { action: 'enter'; user: UserRecord } | { action: 'link'; user: UserRecord } | { action: 'create' };

const refuse = (code: 'INVALID_CREDENTIALS' | 'INVALID_PROVIDER' | 'EMAIL_NOT_VERIFIED' | 'USER_SUSPENDED', detail: string) =>
  new GatehouseError(code, { detail });

function mustBeActive(u: UserRecord): UserRecord {
  if (u.status !== 'active') throw refuse('USER_SUSPENDED', `user ${u.id} is ${u.status}`);
  return u;
}

/**
 * The rules of external identities, given the account linked to (provider, external id) and the
 * account holding the asserted e-mail:
 * - the linked account is entered (when active);
 * - else an account with the e-mail is linked only when the provider asserts `email_verified`, and
 *   only a local account or one provisioned for this provider, not yet linked to it: an account
 *   created by one provider is never entered through another;
 * - else an account is created only with ALLOW_PUBLIC_REGISTRATION, and only for a verified e-mail
 *   (upstreams see the e-mail: an unverified one must not become an identity, nor squat an address).
 */
export function decideExternalSignIn(
  req: ExternalSignInRequest,
  linked: UserRecord | null,
  byEmail: UserRecord | null,
): ExternalSignInDecision {
  if (linked) return { action: 'enter', user: mustBeActive(linked) };
  if (byEmail) {
    const linkable = byEmail.provider === LOCAL_PROVIDER || byEmail.provider === req.provider;
    const alreadyLinked = (byEmail.identities ?? []).some((i) => i.provider === req.provider);
    if (!linkable || alreadyLinked)
      throw refuse('INVALID_PROVIDER', `account ${byEmail.id} (provider ${byEmail.provider}) cannot be entered through ${req.provider}`);
    if (!req.email_verified) throw refuse('EMAIL_NOT_VERIFIED', `account ${byEmail.id} exists; ${req.provider} did not verify the e-mail`);
    return { action: 'link', user: mustBeActive(byEmail) };
  }
  if (!req.allow_registration) throw refuse('INVALID_CREDENTIALS', `no account for ${req.provider} identity; registration is off`);
  if (!req.email) throw refuse('INVALID_CREDENTIALS', `${req.provider} gave no e-mail: no account can be created`);
  if (!req.email_verified) throw refuse('EMAIL_NOT_VERIFIED', `${req.provider} did not verify the e-mail of a new account`);
  return { action: 'create' };
}
