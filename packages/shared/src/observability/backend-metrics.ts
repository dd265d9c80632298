import { Gauge } from 'prom-client';
import type { EventBus } from '../bus/bus.js';
import type { KeyValueStore } from '../store/store.js';
import type { Metrics } from './metrics.js';

/**
 * `gatehouse_store_up` and `gatehouse_bus_up` (1 connected, 0 not), measured at scrape time: the
 * store answers a PING within `timeoutMs`; the bus reports no disconnection. The series operators
 * alert on when Redis or NATS become unreachable from a service (readiness says it to the
 * orchestrator, these say it to the dashboard).
 */
export function watchBackends(metrics: Metrics, deps: { store: KeyValueStore; bus: EventBus }, timeoutMs = 500): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'gatehouse_store_up',
    help: 'Whether the store (Redis) answered a ping at scrape time',
    registers,
    async collect() {
      let timer: NodeJS.Timeout | undefined;
      const up = await Promise.race([
        deps.store.ping().then(
          () => 1,
          () => 0,
        ),
        new Promise<number>((resolve) => (timer = setTimeout(() => resolve(0), timeoutMs))),
      ]);
      clearTimeout(timer);
      this.set(up);
    },
  });
  new Gauge({
    name: 'gatehouse_bus_up',
    help: 'Whether the bus (NATS) is connected',
    registers,
    collect() {
      this.set(deps.bus.disconnectedSince() === null ? 1 : 0);
    },
  });
}
