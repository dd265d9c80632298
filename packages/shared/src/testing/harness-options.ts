import type { EventBus } from '../bus/bus.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { KeyValueStore } from '../store/store.js';

/** What a service's test harness runs on: a store and a bus (memory or real), a clock, more env, a logger. */
export interface HarnessOptions {
  store: KeyValueStore;
  bus: EventBus;
  clock: Clock;
  /** Variables over the harness's test configuration. */
  env?: Record<string, string>;
  /** Default: silent. */
  logger?: Logger;
}
