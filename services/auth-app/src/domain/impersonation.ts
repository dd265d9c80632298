import { ADMIN_ROLE } from '@gatehouse/shared/credentials';
import { GatehouseError } from '@gatehouse/shared/errors';
import type { UserKey } from '@gatehouse/shared/users';
import { LABEL_API, LABEL_IMPERSONATION } from './label.js';

export interface CreateTarget {
  user: UserKey;
  defaultLabel: string;
  /** The admin acting for another user; undefined for a token of one's own. */
  actorId: string | undefined;
}

/**
 * Whose token a POST creates. Without userID/userName: the caller's. With one of them: only
 * when AUTH_APP_ENABLE_IMPERSONATION is on (else FORBIDDEN, never silently the caller's own
 * token) and only for an admin (else FORBIDDEN). Both at once is INVALID_PAYLOAD.
 */
export function resolveCreateTarget(
  caller: { sub: string; roles?: string[] | undefined },
  params: { userID?: string | undefined; userName?: string | undefined },
  impersonationEnabled: boolean,
): CreateTarget {
  const { userID, userName } = params;
  if (userID === undefined && userName === undefined) return { user: { id: caller.sub }, defaultLabel: LABEL_API, actorId: undefined };
  if (userID !== undefined && userName !== undefined)
    throw new GatehouseError('INVALID_PAYLOAD', { message: 'Use userID or userName, not both.' });
  if (!impersonationEnabled)
    throw new GatehouseError('FORBIDDEN', { message: 'Impersonation is disabled (AUTH_APP_ENABLE_IMPERSONATION).' });
  if (!(caller.roles ?? []).includes(ADMIN_ROLE))
    throw new GatehouseError('FORBIDDEN', { message: 'Only admins may create tokens for other users.' });
  const value = (userID ?? userName)!.trim();
  if (value === '' || value.length > 320)
    throw new GatehouseError('INVALID_PAYLOAD', {
      message: 'userID / userName must not be empty.',
      extensions: { field: userID !== undefined ? 'userID' : 'userName' },
    });
  return { user: userID !== undefined ? { id: value } : { email: value }, defaultLabel: LABEL_IMPERSONATION, actorId: caller.sub };
}
