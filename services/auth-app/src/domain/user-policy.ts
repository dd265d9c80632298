import { GatehouseError } from '@gatehouse/shared/errors';
import type { DirectoryUser } from '@gatehouse/shared/users';

/** Only active users own usable tokens: suspended → USER_SUSPENDED, anything else → INVALID_CREDENTIALS. */
export function assertActiveForLogin(user: DirectoryUser | null): asserts user is DirectoryUser {
  if (!user) throw new GatehouseError('INVALID_CREDENTIALS', { detail: 'token owner no longer exists' });
  if (user.status === 'active') return;
  if (user.status === 'suspended') throw new GatehouseError('USER_SUSPENDED');
  throw new GatehouseError('INVALID_CREDENTIALS', { detail: `token owner is ${user.status}` });
}

/** A token can only be created for an existing, active user. */
export function assertActiveOwner(user: DirectoryUser | null): asserts user is DirectoryUser {
  if (!user) throw new GatehouseError('NOT_FOUND', { message: 'User not found.' });
  if (user.status !== 'active') throw new GatehouseError('FORBIDDEN', { message: 'User is not active.' });
}

/** HTTP Basic username: the owner's email (any case) or id. */
export function usernameMatches(username: string, user: DirectoryUser): boolean {
  if (username === user.id) return true;
  return user.email !== '' && username.toLowerCase() === user.email.toLowerCase();
}
