import { randomUUID } from 'node:crypto';
import { SUBJECTS, type Clock, type EventBus, type Logger, type UserChangeReason, type UserChangedEvent } from '@gatehouse/shared';

/** Publishes `gatehouse.user.changed`; a failed publish is logged, never thrown (the change is done). */
export function createUserEventPublisher(
  bus: EventBus,
  clock: Clock,
  logger: Logger,
): (userId: string, reason: UserChangeReason) => Promise<void> {
  return async (userId, reason) => {
    const event: UserChangedEvent = { id: randomUUID(), at: clock.now(), user_id: userId, reason };
    try {
      await bus.publish(SUBJECTS.userChanged, { ...event });
    } catch (err) {
      logger.error({ err, user_id: userId, reason }, 'could not publish user.changed');
    }
  };
}
