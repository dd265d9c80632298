import { GatehouseError } from '../errors.js';
import { startRedis } from '../testing/redis-server.js';
import { RedisStore } from './redis-store.js';
import { storeContract } from './store.contract.js';

storeContract('redis (real redis-server)', async () => {
  const server = await startRedis();
  const store = new RedisStore({ url: server.url });
  await store.ready();
  return {
    store,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    done: async () => {
      await store.close();
      await server.stop();
    },
  };
});

describe('RedisStore outage', () => {
  it('turns a dead Redis into SERVICE_UNAVAILABLE quickly instead of hanging', async () => {
    const server = await startRedis();
    const store = new RedisStore({ url: server.url, commandTimeoutMs: 300 });
    await store.ready();
    await store.set('outage:k', 'v');
    await server.kill();
    const started = Date.now();
    const err = await store.get('outage:k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatehouseError);
    expect((err as GatehouseError).code).toBe('SERVICE_UNAVAILABLE');
    expect((err as GatehouseError).retryAfter).toBe(1);
    expect(Date.now() - started).toBeLessThan(2000);
    await store.close();
  });
});
