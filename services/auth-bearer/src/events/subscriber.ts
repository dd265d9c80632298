import { SUBJECTS, parseEvent, type EventBus, type Logger, type Subscription, type UserChangeReason } from '@gatehouse/shared';
import type { SessionService } from '../domain/sessions.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { HandledChanges } from '../store/handled-changes.js';

/** User changes that end every session of the user. */
export const REVOKING_REASONS: ReadonlySet<UserChangeReason> = new Set<UserChangeReason>([
  'disabled',
  'deleted',
  'password_changed',
  'suspended',
]);

/**
 * gatehouse.user.changed → revoke the user's sessions; gatehouse.keys.rotated → reload keys.
 * Each event id is handled once across all instances (set-if-absent in the store).
 */
export function subscribeEvents(deps: {
  bus: EventBus;
  sessions: SessionService;
  keys: KeyRing;
  logger: Logger;
  /** Shared with RevokeUser (auth-basic calls it with the event's id as change_id). */
  handled: HandledChanges;
}): Subscription[] {
  return [
    deps.bus.subscribe(SUBJECTS.userChanged, async (payload, subject) => {
      const event = parseEvent(subject, payload);
      if (event?.subject !== SUBJECTS.userChanged) return void deps.logger.warn({ subject }, 'ignoring an event outside the contract');
      const e = event.payload;
      if (!REVOKING_REASONS.has(e.reason)) return;
      if (!(await deps.handled.claim(e.id))) return;
      const n = await deps.sessions.revokeUser(e.user_id, `user_${e.reason}`);
      deps.logger.info({ user_id: e.user_id, reason: e.reason, sessions: n }, 'user changed: sessions revoked');
    }),
    deps.bus.subscribe(SUBJECTS.keysRotated, () => deps.keys.invalidate()),
  ];
}
