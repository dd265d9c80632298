import { AuditPublisher as SharedAuditPublisher, type Clock, type EventBus } from '@gatehouse/shared';
import type { Logger } from 'pino';

/** Audit events on `gatehouse.audit` as auth-app (the shared publisher). */
export class AuditPublisher extends SharedAuditPublisher {
  constructor(bus: EventBus, clock: Clock, logger: Logger) {
    super(bus, clock, logger, 'auth-app');
  }
}
