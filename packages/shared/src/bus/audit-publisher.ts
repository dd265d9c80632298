import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { SUBJECTS } from '../events.js';
import type { EventBus } from './bus.js';

/** Where a service records who did what (`gatehouse.audit`). */
export interface AuditSink {
  record(event: { action: string; actor: string; subject: string; [k: string]: unknown }): Promise<void>;
}

/**
 * Audit events on `gatehouse.audit`, also written to the service log so the trail survives a bus
 * outage. Best effort: an outage of the bus never blocks the request.
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
      await this.bus.publish(SUBJECTS.audit, { ...event, id: randomUUID(), at: this.clock.now(), service: this.service });
    } catch (err) {
      this.logger.warn({ err, action: event.action }, 'could not publish audit event');
    }
  }
}
