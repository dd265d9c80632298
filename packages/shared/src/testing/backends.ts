import { NatsBus } from '../bus/nats-bus.js';
import { RedisStore } from '../store/redis-store.js';
import { startNats } from './nats-server.js';
import { startRedis } from './redis-server.js';
import type { SpawnedServer } from './spawn-server.js';

/** A real redis-server and nats-server on free ports, with a store and a bus connected to them. */
export interface TestBackends {
  redis: SpawnedServer;
  nats: SpawnedServer;
  store: RedisStore;
  bus: NatsBus;
  /** Closes the bus and the store, then stops both servers. */
  stop(): Promise<void>;
}

export async function startBackends(): Promise<TestBackends> {
  const [redis, nats] = await Promise.all([startRedis(), startNats()]);
  const store = new RedisStore({ url: redis.url });
  await store.ready(5000);
  const bus = await NatsBus.connect({ url: nats.url });
  return {
    redis,
    nats,
    store,
    bus,
    async stop() {
      await bus.close();
      await store.close();
      await Promise.all([redis.stop(), nats.stop()]);
    },
  };
}
