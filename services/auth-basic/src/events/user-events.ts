import { SUBJECTS, publishEvent, type Clock, type EventBus, type Logger, type UserChangeReason } from '@gatehouse/shared';

/** Publishes `gatehouse.user.changed`; a failed publish is logged, never thrown (the change is done). */
export function createUserEventPublisher(
  bus: EventBus,
  clock: Clock,
  logger: Logger,
): (userId: string, reason: UserChangeReason) => Promise<void> {
  return async (userId, reason) => {
    try {
      await publishEvent(bus, clock, SUBJECTS.userChanged, { user_id: userId, reason });
    } catch (err) {
      logger.error({ err, user_id: userId, reason }, 'could not publish user.changed');
    }
  };
}
