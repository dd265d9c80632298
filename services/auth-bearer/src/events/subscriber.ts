import { SUBJECTS, type EventBus, type KeyValueStore, type Logger, type Subscription } from '@gatehouse/shared';
import type { SessionService } from '../domain/sessions.js';
import type { KeyRing } from '../keys/key-ring.js';

/** User changes that end every session of the user. */
export const REVOKING_REASONS = new Set(['disabled', 'deleted', 'password_changed', 'suspended']);

/**
 * gatehouse.user.changed → revoke the user's sessions; gatehouse.keys.rotated → reload keys.
 * Each event id is handled once across all instances (set-if-absent in the store).
 */
export function subscribeEvents(deps: {
  bus: EventBus;
  store: KeyValueStore;
  sessions: SessionService;
  keys: KeyRing;
  logger: Logger;
  dedupeTtlMs: number;
}): Subscription[] {
  const firstTime = async (id: unknown): Promise<boolean> => {
    if (typeof id !== 'string' || id === '' || id.length > 200) return false;
    return deps.store.set(`bearer:event:${id}`, '1', { onlyIfAbsent: true, ttlMs: deps.dedupeTtlMs });
  };
  return [
    deps.bus.subscribe(SUBJECTS.userChanged, async (e) => {
      if (typeof e.user_id !== 'string' || e.user_id === '' || typeof e.reason !== 'string' || !REVOKING_REASONS.has(e.reason)) return;
      if (!(await firstTime(e.id))) return;
      const n = await deps.sessions.revokeUser(e.user_id, `user_${e.reason}`);
      deps.logger.info({ user_id: e.user_id, reason: e.reason, sessions: n }, 'user changed: sessions revoked');
    }),
    deps.bus.subscribe(SUBJECTS.keysRotated, () => deps.keys.invalidate()),
  ];
}
