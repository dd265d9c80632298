import { SUBJECTS, publishEvent, type Clock, type EventBus } from '@gatehouse/shared';
import type { Logger } from 'pino';
import type { AuditSink } from '../domain/ports.js';

/** Audit events on `gatehouse.audit` (best effort: an outage of the bus never blocks the request). */
export class AuditPublisher implements AuditSink {
  constructor(
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async record(event: { action: string; actor: string; subject: string; [k: string]: unknown }): Promise<void> {
    // Also in the service log, so the trail survives a bus outage.
    this.logger.info({ audit: event }, 'audit');
    try {
      await publishEvent(this.bus, this.clock, SUBJECTS.audit, { ...event, service: 'auth-app' });
    } catch (err) {
      this.logger.warn({ err, action: event.action }, 'could not publish audit event');
    }
  }
}
