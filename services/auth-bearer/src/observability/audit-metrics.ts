import { Counter } from 'prom-client';
import type { Metrics } from '@gatehouse/shared';

/**
 * `gatehouse_audit_events_total{action}`: every audit event auth-bearer publishes, counted by
 * action. `session.refresh_token_reuse` is the one operators alert on (a stolen refresh token
 * replayed, or a client that breaks rotation); `impersonation.refused` is another.
 */
export function auditMetrics(metrics: Metrics): (action: string) => void {
  const audits = new Counter({
    name: 'gatehouse_audit_events_total',
    help: 'Audit events published, by action',
    labelNames: ['action'],
    registers: [metrics.registry],
  });
  return (action) => audits.inc({ action });
}
