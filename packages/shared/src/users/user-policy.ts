import { GatehouseError } from '../errors.js';
import type { UserChangeReason } from '../events.js';
import type { DirectoryUser } from './user-directory.js';

/**
 * Who may own and use a delegated credential (app token, API key). Only active users: a suspended
 * owner → USER_SUSPENDED, a missing or otherwise inactive one → INVALID_CREDENTIALS.
 */
export function assertActiveForLogin(user: DirectoryUser | null): asserts user is DirectoryUser {
  if (!user) throw new GatehouseError('INVALID_CREDENTIALS', { detail: 'credential owner no longer exists' });
  if (user.status === 'active') return;
  if (user.status === 'suspended') throw new GatehouseError('USER_SUSPENDED');
  throw new GatehouseError('INVALID_CREDENTIALS', { detail: `credential owner is ${user.status}` });
}

/** A credential can only be created for an existing, active user. */
export function assertActiveOwner(user: DirectoryUser | null): asserts user is DirectoryUser {
  if (!user) throw new GatehouseError('NOT_FOUND', { message: 'User not found.' });
  if (user.status !== 'active') throw new GatehouseError('FORBIDDEN', { message: 'User is not active.' });
}

/** HTTP Basic username: the owner's email (any case) or id. */
export function usernameMatches(username: string, user: DirectoryUser): boolean {
  if (username === user.id) return true;
  return user.email !== '' && username.toLowerCase() === user.email.toLowerCase();
}

/** What becomes of a user's delegated credentials (app tokens, API keys) after a change to the user. */
export type CredentialFate = 'delete' | 'revoke' | 'keep';

/**
 * The one rule for app tokens and API keys alike: a deleted user's credentials are deleted; a disabled
 * or suspended user's are revoked but kept (they work again if the user is re-enabled, after a fresh
 * authorization where the service asks for one); a password change does what the service's setting
 * says (`onPasswordChange`); anything else leaves them alone.
 */
export function credentialFate(reason: UserChangeReason, onPasswordChange: CredentialFate): CredentialFate {
  switch (reason) {
    case 'deleted':
      return 'delete';
    case 'disabled':
    case 'suspended':
      return 'revoke';
    case 'password_changed':
      return onPasswordChange;
    default:
      return 'keep';
  }
}
