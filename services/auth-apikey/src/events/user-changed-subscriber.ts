import { SUBJECTS, type EventBus, type Logger, type Subscription, type UserChangeReason } from '@gatehouse/shared';
import type { ApiKeys } from '../domain/api-keys.js';

/**
 * `gatehouse.user.changed`: deleted → the user's keys are deleted; disabled or suspended → kept as
 * REVOKED; password_changed → REVOKED too when AUTH_APIKEY_REVOKE_ON_PASSWORD_CHANGE (a key created
 * with a stolen password must not outlive the change). Tokens minted from them are revoked every time.
 * Delivery is at-most-once, which is why ExchangeKeyForToken also checks the creator in the directory.
 */
export async function handleUserChanged(
  keys: ApiKeys,
  revokeOnPasswordChange: boolean,
  userId: string,
  reason: UserChangeReason,
): Promise<number> {
  switch (reason) {
    case 'deleted':
      return keys.revokeAllOf(userId, true);
    case 'disabled':
    case 'suspended':
      return keys.revokeAllOf(userId, false);
    case 'password_changed':
      return revokeOnPasswordChange ? keys.revokeAllOf(userId, false) : 0;
    default:
      return 0;
  }
}

export function subscribeUserChanged(bus: EventBus, keys: ApiKeys, revokeOnPasswordChange: boolean, logger: Logger): Subscription {
  return bus.subscribe(SUBJECTS.userChanged, async (payload) => {
    const userId = payload.user_id;
    const reason = payload.reason;
    if (typeof userId !== 'string' || userId === '' || typeof reason !== 'string') {
      logger.warn({ subject: SUBJECTS.userChanged }, 'ignoring malformed user.changed event');
      return;
    }
    const n = await handleUserChanged(keys, revokeOnPasswordChange, userId, reason as UserChangeReason);
    if (n > 0) logger.info({ user_id: userId, reason, keys: n }, 'api keys revoked after user change');
  });
}
