import { SUBJECTS, credentialFate, subscribeEvent, type EventBus, type Subscription, type UserChangeReason } from '@gatehouse/shared';
import type { Logger } from 'pino';
import type { AppTokens } from '../domain/app-tokens.js';

export interface UserChangedOptions {
  revokeOnPasswordChange: boolean;
  /** Drops a cached directory answer for the user. */
  invalidateUser: (userId: string) => void;
}

/**
 * `gatehouse.user.changed`, by the shared credential rule: deleted → the user's tokens are deleted
 * and revoked; disabled or suspended → revoked at the proxies but kept (Authenticate refuses them
 * while the user is not active); password_changed → deleted when AUTH_APP_REVOKE_ON_PASSWORD_CHANGE.
 * Delivery is at-most-once, which is why Authenticate also checks the owner's status in the directory.
 */
export async function handleUserChanged(
  tokens: AppTokens,
  opts: UserChangedOptions,
  userId: string,
  reason: UserChangeReason,
): Promise<number> {
  opts.invalidateUser(userId);
  const fate = credentialFate(reason, opts.revokeOnPasswordChange ? 'delete' : 'keep');
  return fate === 'keep' ? 0 : tokens.revokeAllOf(userId, fate === 'delete');
}

export function subscribeUserChanged(bus: EventBus, tokens: AppTokens, opts: UserChangedOptions, logger: Logger): Subscription {
  return subscribeEvent(bus, SUBJECTS.userChanged, logger, async ({ user_id: userId, reason }) => {
    const n = await handleUserChanged(tokens, opts, userId, reason);
    if (n > 0) logger.info({ user_id: userId, reason, tokens: n }, 'app tokens revoked after user change');
  });
}
