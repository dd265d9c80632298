import { MemoryStore } from '@gatehouse/shared';
import { FakeClock } from '@gatehouse/shared/testing';
import { KeyRing } from './key-ring.js';

const ring = (store: MemoryStore, clock: FakeClock) =>
  new KeyRing({ store, clock, secret: 's'.repeat(40), alg: 'ES256', retentionMs: 3_600_000, cacheTtlMs: 10_000 });

describe('key ring upgrade from the names before the Cluster hash tag', () => {
  it('keeps signing with the key the not-yet-upgraded instances use (a rolling upgrade voids no token)', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore(clock);
    const before = ring(store, clock);
    await before.init();
    await before.rotate();
    const { kid } = await before.active();
    const published = (await before.jwks()).keys.map((k) => k.kid).sort();
    // Move the ring to the old names, as a store written by the previous release holds it.
    const kids = await store.setMembers('bearer:{keyring}:keys');
    for (const k of kids) {
      await store.set(`bearer:key:${k}`, (await store.take(`bearer:{keyring}:key:${k}`))!);
      await store.setAdd('bearer:keys', [k]);
    }
    await store.set('bearer:active-key', (await store.take('bearer:{keyring}:active'))!);
    await store.del('bearer:{keyring}:keys');

    const upgraded = ring(store, clock);
    await upgraded.init();
    expect((await upgraded.active()).kid).toBe(kid);
    expect((await upgraded.jwks()).keys.map((k) => k.kid).sort()).toEqual(published);
    // The old names are left for the instances still on the previous release.
    expect(await store.get('bearer:active-key')).toBe(kid);
  });

  it('creates a first key when there is nothing to adopt', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore(clock);
    const r = ring(store, clock);
    await r.init();
    expect(await store.get('bearer:{keyring}:active')).toBe((await r.active()).kid);
  });
});
