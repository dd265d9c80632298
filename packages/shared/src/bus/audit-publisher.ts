import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { SUBJECTS, publishEvent, type AuditSink } from '../events.js';
import type { EventBus } from './bus.js';

/**
 * Audit events on `gatehouse.audit` as `service`, also written to the service log so the trail
 * survives a bus outage. Best effort: an outage of the bus never blocks the request.
 */
export class AuditPublisher implements AuditSink {
  constructor(
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly service: string,
  ) {}

  async record(event: { action: string; actor: string; subject: string; [k: string]: unknown }): Promise<void> {
    this.logger.info({ audit: event }, 'audit');
    try {
      await publishEvent(this.bus, this.clock, SUBJECTS.audit, { ...event, service: this.service });
    } catch (err) {
      this.logger.warn({ err, action: event.action }, 'could not publish audit event');
    }
  }
}
