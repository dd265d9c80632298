import { SUBJECTS, parseEvent, type EventBus, type Subscription, type UserChangeReason } from '@gatehouse/shared';
import type { Logger } from 'pino';
import type { AppTokens } from '../domain/app-tokens.js';

export interface UserChangedOptions {
  revokeOnPasswordChange: boolean;
  /** Drops a cached directory answer for the user. */
  invalidateUser: (userId: string) => void;
}

/**
 * `gatehouse.user.changed`: deleted → the user's tokens are deleted and revoked; disabled or
 * suspended → revoked at the proxies but kept (Authenticate refuses them while the user is not
 * active); password_changed → deleted when AUTH_APP_REVOKE_ON_PASSWORD_CHANGE. Delivery is
 * at-most-once, which is why Authenticate also checks the owner's status in the directory.
 */
export async function handleUserChanged(
  tokens: AppTokens,
  opts: UserChangedOptions,
  userId: string,
  reason: UserChangeReason,
): Promise<number> {
  opts.invalidateUser(userId);
  switch (reason) {
    case 'deleted':
      return tokens.revokeAllOf(userId, true);
    case 'password_changed':
      return opts.revokeOnPasswordChange ? tokens.revokeAllOf(userId, true) : 0;
    case 'disabled':
    case 'suspended':
      return tokens.revokeAllOf(userId, false);
    default:
      return 0;
  }
}

export function subscribeUserChanged(bus: EventBus, tokens: AppTokens, opts: UserChangedOptions, logger: Logger): Subscription {
  return bus.subscribe(SUBJECTS.userChanged, async (payload, subject) => {
    const event = parseEvent(subject, payload);
    if (event?.subject !== SUBJECTS.userChanged) {
      logger.warn({ subject }, 'ignoring malformed user.changed event');
      return;
    }
    const { user_id: userId, reason } = event.payload;
    const n = await handleUserChanged(tokens, opts, userId, reason);
    if (n > 0) logger.info({ user_id: userId, reason, tokens: n }, 'app tokens revoked after user change');
  });
}
