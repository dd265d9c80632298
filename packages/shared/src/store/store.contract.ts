import type { KeyValueStore } from './store.js';

/**
 * The one contract every KeyValueStore passes (memory and Redis). `sleep` lets the memory
 * store's fake clock advance instead of waiting.
 */
export function storeContract(
  name: string,
  make: () => Promise<{ store: KeyValueStore; sleep: (ms: number) => Promise<void>; done: () => Promise<void> }>,
): void {
  describe(`KeyValueStore contract: ${name}`, () => {
    let store: KeyValueStore;
    let sleep: (ms: number) => Promise<void>;
    let done: () => Promise<void>;
    let n = 0;
    const k = (s: string) => `contract:${Date.now()}:${++n}:${s}`;

    beforeAll(async () => {
      ({ store, sleep, done } = await make());
    });
    afterAll(async () => {
      await done();
    });

    it('gets what it sets and null for missing keys', async () => {
      const key = k('a');
      expect(await store.get(key)).toBeNull();
      expect(await store.set(key, 'v1')).toBe(true);
      expect(await store.get(key)).toBe('v1');
      expect(await store.mget([key, k('missing')])).toEqual(['v1', null]);
    });

    it('expires keys after their ttl', async () => {
      const key = k('ttl');
      // TTLs of half a second: short enough to wait for, long enough that a loaded machine (or a
      // Cluster's extra hop) does not see the key expire between two commands of one check.
      await store.set(key, 'x', { ttlMs: 500 });
      const ttl = await store.ttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(500);
      await sleep(600);
      expect(await store.get(key)).toBeNull();
      expect(await store.ttl(key)).toBe(-2);
    });

    it('set onlyIfAbsent does not overwrite', async () => {
      const key = k('nx');
      expect(await store.set(key, 'first', { onlyIfAbsent: true })).toBe(true);
      expect(await store.set(key, 'second', { onlyIfAbsent: true })).toBe(false);
      expect(await store.get(key)).toBe('first');
    });

    it('take returns the value once (single use)', async () => {
      const key = k('take');
      await store.set(key, 'once');
      const results = await Promise.all([store.take(key), store.take(key)]);
      expect(results.filter((r) => r === 'once')).toHaveLength(1);
      expect(await store.get(key)).toBeNull();
    });

    it('incr counts and applies the ttl at creation only', async () => {
      const key = k('incr');
      expect(await store.incr(key, 500)).toBe(1);
      expect(await store.incr(key, 10_000)).toBe(2);
      expect(await store.ttl(key)).toBeLessThanOrEqual(500);
      await sleep(600);
      expect(await store.incr(key, 500)).toBe(1);
    });

    it('compareAndSet swaps only from the expected value, one winner under races', async () => {
      const key = k('cas');
      expect(await store.compareAndSet(key, null, 'v1')).toBe(true);
      expect(await store.compareAndSet(key, null, 'v2')).toBe(false);
      const racers = await Promise.all(Array.from({ length: 10 }, (_, i) => store.compareAndSet(key, 'v1', `w${i}`)));
      expect(racers.filter(Boolean)).toHaveLength(1);
      const current = await store.get(key);
      expect(await store.compareAndSet(key, current, null)).toBe(true);
      expect(await store.get(key)).toBeNull();
      expect(await store.compareAndSet(key, null, 'ttl', { ttlMs: 5000 })).toBe(true);
      expect(await store.ttl(key)).toBeGreaterThan(0);
    });

    it('deletes and reports how many keys existed', async () => {
      const a = k('d1');
      const b = k('d2');
      await store.set(a, '1');
      await store.set(b, '2');
      expect(await store.del(a, b, k('none'))).toBe(2);
    });

    it('keeps sets', async () => {
      const key = k('set');
      await store.setAdd(key, ['a', 'b', 'a']);
      expect((await store.setMembers(key)).sort()).toEqual(['a', 'b']);
      await store.setRemove(key, ['a']);
      expect(await store.setMembers(key)).toEqual(['b']);
      await store.setRemove(key, ['b']);
      expect(await store.setMembers(key)).toEqual([]);
    });

    it('keeps hashes', async () => {
      const key = k('hash');
      await store.hashSet(key, { a: '1', b: '2' });
      await store.hashSet(key, { b: '3' });
      expect(await store.hashGetAll(key)).toEqual({ a: '1', b: '3' });
      await store.hashDel(key, ['a']);
      expect(await store.hashGetAll(key)).toEqual({ b: '3' });
      expect(await store.hashGetAll(k('nohash'))).toEqual({});
    });

    it('keeps sorted sets ordered by score with range removal', async () => {
      const key = k('zset');
      await store.zAdd(key, 'c', 30);
      await store.zAdd(key, 'a', 10);
      await store.zAdd(key, 'b', 20);
      expect(await store.zRangeByScore(key, 15, 100)).toEqual([
        { member: 'b', score: 20 },
        { member: 'c', score: 30 },
      ]);
      expect(await store.zRemRangeByScore(key, 0, 20)).toBe(2);
      await store.zRemove(key, ['c']);
      expect(await store.zRangeByScore(key, 0, Infinity)).toEqual([]);
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
