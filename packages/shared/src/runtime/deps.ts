import type { Logger } from 'pino';
import { ConfigError } from '../config.js';
import type { EventBus } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory-bus.js';
import { NatsBus } from '../bus/nats-bus.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { KeyValueStore } from '../store/store.js';
import { MemoryStore } from '../store/memory-store.js';
import { RedisStore } from '../store/redis-store.js';

/** What every service's createApp receives besides its config. Tests pass their own. */
export interface ServiceDeps {
  store: KeyValueStore;
  bus: EventBus;
  logger: Logger;
  clock: Clock;
}

/**
 * Connects the production backends (Redis, NATS) when URLs are given, else the in-memory ones
 * (only allowed when `allowMemory`: the all-in-one runtime).
 */
export async function connectBackends(opts: {
  redisUrl?: string | undefined;
  redisSentinelPassword?: string | undefined;
  natsUrl?: string | undefined;
  natsCredsFile?: string | undefined;
  name: string;
  logger: Logger;
  allowMemory: boolean;
  /** How long to wait for Redis at startup (default 10 s): a Redis that is down fails the start. */
  readyTimeoutMs?: number;
}): Promise<{ store: KeyValueStore; bus: EventBus }> {
  if (!opts.allowMemory && (!opts.redisUrl || !opts.natsUrl)) {
    // Listed like any other configuration problem, every missing variable at once.
    throw new ConfigError([
      ...(opts.redisUrl ? [] : ['REDIS_URL: required when a service runs alone']),
      ...(opts.natsUrl ? [] : ['NATS_URL: required when a service runs alone']),
    ]);
  }
  let store: KeyValueStore;
  if (opts.redisUrl) {
    const r = new RedisStore({ url: opts.redisUrl, sentinelPassword: opts.redisSentinelPassword });
    try {
      await r.ready(opts.readyTimeoutMs ?? 10_000);
    } catch (err) {
      // A failed start must not leave a client reconnecting forever (the process would not exit).
      await r.close();
      throw err;
    }
    store = r;
  } else {
    store = new MemoryStore(systemClock);
  }
  let bus: EventBus;
  try {
    bus = opts.natsUrl
      ? await NatsBus.connect({ url: opts.natsUrl, credsFile: opts.natsCredsFile, name: opts.name, logger: opts.logger })
      : new MemoryBus();
  } catch (err) {
    await store.close();
    throw err;
  }
  if (store.kind === 'memory' || bus.kind === 'memory') {
    opts.logger.warn(
      { store: store.kind, bus: bus.kind },
      'using the in-memory store/bus (embedded default): state is lost on restart and not shared between processes',
    );
  }
  return { store, bus };
}

/** What every service's createApp returns. Ports are the bound ones (0 in config → a free port). */
export interface ServiceApp {
  start(): Promise<{ http?: number; grpc?: number; debug: number }>;
  /** Drains in-flight requests and calls, then closes listeners (not the shared store/bus). */
  stop(): Promise<void>;
}
