import calculateSlot from 'cluster-key-slot';
import { spawnRedisCluster, type SpawnedRedisCluster } from '../testing/redis-cluster.js';
import { RedisStore } from './redis-store.js';
import { storeContract } from './store.contract.js';

// The same contract as a single server, against a real 3-master Redis Cluster.
storeContract('redis cluster (3 real redis-server masters)', async () => {
  const cluster = await spawnRedisCluster();
  const store = new RedisStore({ url: cluster.url });
  await store.ready();
  return {
    store,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    done: async () => {
      await store.close();
      await cluster.stop();
    },
  };
});

describe('RedisStore on a Redis Cluster', () => {
  let cluster: SpawnedRedisCluster;
  let store: RedisStore;
  beforeAll(async () => {
    cluster = await spawnRedisCluster();
    store = new RedisStore({ url: cluster.url });
    await store.ready();
  });
  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
  });

  // Keys chosen so their slots fall on every third of the slot range, i.e. on every master.
  const spread = () => {
    const keys: string[] = [];
    const thirds = new Set<number>();
    for (let i = 0; keys.length < 12; i++) {
      const k = `spread:${i}`;
      const third = Math.floor((calculateSlot(`gh:${k}`) * 3) / 16_384);
      if (keys.filter((x) => Math.floor((calculateSlot(`gh:${x}`) * 3) / 16_384) === third).length < 4) {
        keys.push(k);
        thirds.add(third);
      }
    }
    expect(thirds.size).toBe(3);
    return keys;
  };

  it('reads and deletes keys spread over every master in one call, values in order', async () => {
    const keys = spread();
    for (const k of keys) await store.set(k, `v-${k}`);
    expect(await store.mget([...keys, 'spread:missing'])).toEqual([...keys.map((k) => `v-${k}`), null]);
    expect(await store.del(...keys, 'spread:missing')).toBe(keys.length);
    expect(await store.mget(keys)).toEqual(keys.map(() => null));
  });

  it('keeps hash-tagged keys in one slot, so a multi-key command on them stays one atomic command', async () => {
    const tagged = ['t:{ring}:active', 't:{ring}:set', 't:{ring}:key:1'];
    expect(new Set(tagged.map((k) => calculateSlot(`gh:${k}`))).size).toBe(1);
    // Straight through the client (no splitting): the server accepts it only because the slot is one.
    await store.client.mset('t:{ring}:active', '1', 't:{ring}:key:1', 'k');
    expect(await store.client.mget(...tagged)).toEqual(['1', null, 'k']);
    await expect(store.client.mget('spread:0', 'spread:1', 'spread:2', 'spread:3', 'spread:5')).rejects.toThrow(/CROSSSLOT/);
  });

  it('follows the cluster topology: a key lives on the master that owns its slot', async () => {
    await store.set('owner:probe', 'x');
    const slot = calculateSlot('gh:owner:probe');
    const owner = cluster.masters[Math.floor((slot * 3) / 16_384)]!;
    const { Redis } = await import('ioredis');
    const direct = new Redis({ host: '127.0.0.1', port: owner.port, lazyConnect: true });
    await direct.connect();
    try {
      expect(await direct.get('gh:owner:probe')).toBe('x');
    } finally {
      direct.disconnect();
    }
  });
});
