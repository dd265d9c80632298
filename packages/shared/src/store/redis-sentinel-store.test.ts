import { freePort } from '../testing/free-port.js';
import { spawnRedisSentinel, type SpawnedRedisSentinel } from '../testing/redis-sentinel.js';
import { RedisStore } from './redis-store.js';
import { storeContract } from './store.contract.js';

// The same contract as a single server, through real sentinels to a real master with a replica;
// the data nodes and the sentinels each require their own password.
storeContract('redis sentinel (real master, replica and 3 sentinels, with passwords)', async () => {
  const setup = await spawnRedisSentinel({ password: 'data-pw', sentinelPassword: 'sentinel-pw' });
  const store = new RedisStore({ url: setup.url, sentinelPassword: 'sentinel-pw' });
  await store.ready();
  return {
    store,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    done: async () => {
      await store.close();
      await setup.stop();
    },
  };
});

describe('RedisStore through Sentinel', () => {
  let setup: SpawnedRedisSentinel;
  afterEach(async () => setup?.stop());

  it('skips a sentinel that is down and finds the master through the next one', async () => {
    setup = await spawnRedisSentinel({ sentinels: 1 });
    const dead = await freePort();
    const url = setup.url.replace('redis-sentinel://', `redis-sentinel://127.0.0.1:${dead},`);
    const store = new RedisStore({ url });
    await store.ready();
    await store.set('k', 'v');
    expect(await store.get('k')).toBe('v');
    await store.close();
  });

  it('refuses to start when the sentinels do not know the master name', async () => {
    setup = await spawnRedisSentinel({ sentinels: 1 });
    const store = new RedisStore({ url: setup.url.replace(/\/gh-master$/, '/no-such-master') });
    await expect(store.ready(1500)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await store.close();
  });

  it('keeps serving after the master dies: the sentinels promote the replica and the store follows', async () => {
    setup = await spawnRedisSentinel({ readyForFailover: true });
    const store = new RedisStore({ url: setup.url });
    await store.ready();
    await store.set('before', '1');
    // Replication is asynchronous: wait until the write reached the replica before the crash.
    const { Redis } = await import('ioredis');
    const replica = new Redis({ host: '127.0.0.1', port: setup.replicas[0]!.port, lazyConnect: true });
    await replica.connect();
    const until = async (cond: () => Promise<boolean>, ms: number) => {
      const end = Date.now() + ms;
      while (!(await cond().catch(() => false))) {
        if (Date.now() > end) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until(async () => (await replica.get('gh:before')) === '1', 5000);
    replica.disconnect();
    await setup.master.kill();
    const killedAt = Date.now();
    await until(async () => (await setup.currentMasterPort()) === setup.replicas[0]!.port, 30_000);
    // Under CI load the sentinels spread the new configuration over a few hello rounds (2 s each), and
    // the store asks them in turn: it follows once the sentinel it asks names the new master.
    await until(async () => store.set('after', '2'), 20_000);
    expect(await store.get('before')).toBe('1');
    expect(await store.get('after')).toBe('2');
    // down-after 1 s plus the election: seconds, not the minutes of a manual recovery.
    expect(Date.now() - killedAt).toBeLessThan(45_000);
    await store.close();
  }, 90_000);
});
