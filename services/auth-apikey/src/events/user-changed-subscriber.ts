import {
  SUBJECTS,
  credentialFate,
  subscribeEvent,
  type EventBus,
  type Logger,
  type Subscription,
  type UserChangeReason,
} from '@gatehouse/shared';
import type { ApiKeys } from '../domain/api-keys.js';

/**
 * `gatehouse.user.changed`, by the shared credential rule: deleted → the user's keys are deleted;
 * disabled or suspended → kept as REVOKED; password_changed → REVOKED too when
 * AUTH_APIKEY_REVOKE_ON_PASSWORD_CHANGE (a key created with a stolen password must not outlive the
 * change). Tokens minted from them are revoked every time. Delivery is at-most-once, which is why
 * ExchangeKeyForToken also checks the creator in the directory.
 */
export async function handleUserChanged(
  keys: ApiKeys,
  revokeOnPasswordChange: boolean,
  userId: string,
  reason: UserChangeReason,
): Promise<number> {
  const fate = credentialFate(reason, revokeOnPasswordChange ? 'revoke' : 'keep');
  return fate === 'keep' ? 0 : keys.revokeAllOf(userId, fate === 'delete');
}

export function subscribeUserChanged(bus: EventBus, keys: ApiKeys, revokeOnPasswordChange: boolean, logger: Logger): Subscription {
  return subscribeEvent(bus, SUBJECTS.userChanged, logger, async ({ user_id: userId, reason }) => {
    const n = await handleUserChanged(keys, revokeOnPasswordChange, userId, reason);
    if (n > 0) logger.info({ user_id: userId, reason, keys: n }, 'api keys revoked after user change');
  });
}
