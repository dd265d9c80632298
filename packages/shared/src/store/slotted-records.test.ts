import { FakeClock } from '../testing/fake-clock.js';
import { MemoryStore } from './memory-store.js';
import { SlottedRecords, slottedKeys } from './slotted-records.js';

interface Thing {
  id: string;
  user_id: string;
  name: string;
  expires?: number;
}

function setup() {
  const clock = new FakeClock();
  const store = new MemoryStore(clock);
  const things = new SlottedRecords<Thing>({
    store,
    clock,
    keys: slottedKeys('t', 'thing', 'user-things'),
    toStored: ({ user_id, name, expires }) => ({ user_id, name, ...(expires !== undefined ? { expires } : {}) }),
    fromStored: (id, s) =>
      typeof s.user_id === 'string' && typeof s.name === 'string'
        ? { id, user_id: s.user_id, name: s.name, ...(typeof s.expires === 'number' ? { expires: s.expires } : {}) }
        : null,
    expiresAt: (t) => t.expires,
  });
  return { clock, store, things };
}

describe('SlottedRecords', () => {
  it('keeps records without expiry, and their slots, with no TTL', async () => {
    const { store, things } = setup();
    expect(await things.insert({ id: 'a', user_id: 'u', name: 'A' }, 3)).toBe('inserted');
    expect(await store.ttl('t:thing:a')).toBe(-1);
    const slot = (JSON.parse((await store.get('t:thing:a'))!) as { slot: number }).slot;
    expect(await store.get(`t:user-slot:u:${slot}`)).toBe('a');
    expect(await store.ttl(`t:user-slot:u:${slot}`)).toBe(-1);
    expect((await things.get('a'))?.record).toEqual({ id: 'a', user_id: 'u', name: 'A' });
    await store.close();
  });

  it('holds the per-user limit under 20 concurrent inserts, for each user separately', async () => {
    const { store, things } = setup();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => things.insert({ id: `k${i}`, user_id: 'u', name: 'x' }, 5)));
    expect(results.filter((r) => r === 'inserted')).toHaveLength(5);
    expect(results.filter((r) => r === 'limit')).toHaveLength(15);
    expect(await things.idsOf('u')).toHaveLength(5);
    expect(await things.insert({ id: 'other', user_id: 'v', name: 'x' }, 5)).toBe('inserted');
    await store.close();
  });

  it('frees the slot of a removed record exactly once, and never overwrites an id in use', async () => {
    const { store, things } = setup();
    await things.insert({ id: 'a', user_id: 'u', name: 'A' }, 1);
    expect(await things.insert({ id: 'a', user_id: 'u', name: 'B' }, 5)).toBe('taken');
    expect(await things.insert({ id: 'b', user_id: 'u', name: 'B' }, 1)).toBe('limit');
    expect(await Promise.all([things.remove({ id: 'a', user_id: 'u' }), things.remove({ id: 'a', user_id: 'u' })])).toEqual([true, false]);
    expect(await things.insert({ id: 'b', user_id: 'u', name: 'B' }, 1)).toBe('inserted');
    await store.close();
  });

  it('reclaims a slot whose record vanished (a crash between the two deletes)', async () => {
    const { store, things } = setup();
    await things.insert({ id: 'a', user_id: 'u', name: 'A' }, 1);
    await store.del('t:thing:a');
    expect(await things.insert({ id: 'b', user_id: 'u', name: 'B' }, 1)).toBe('inserted');
    await store.close();
  });

  it('updates only from the current version, keeping the slot', async () => {
    const { store, things } = setup();
    await things.insert({ id: 'a', user_id: 'u', name: 'A' }, 2);
    const v1 = (await things.get('a'))!;
    expect(await things.update(v1, { ...v1.record, name: 'B' })).toBe(true);
    expect(await things.update(v1, { ...v1.record, name: 'C' })).toBe(false);
    const v2 = (await things.get('a'))!;
    expect(v2.record.name).toBe('B');
    expect((JSON.parse(v2.version) as { slot: number }).slot).toBe((JSON.parse(v1.version) as { slot: number }).slot);
    await things.remove(v2.record);
    expect(await things.update(v2, { ...v2.record, name: 'D' })).toBe(false);
    expect(await things.get('a')).toBeNull();
    await store.close();
  });

  it('treats expired records as dead: their slots are reclaimed at the limit', async () => {
    const { clock, store, things } = setup();
    await things.insert({ id: 'a', user_id: 'u', name: 'A', expires: clock.now() + 1000 }, 1);
    clock.advance(2000);
    expect(await things.insert({ id: 'b', user_id: 'u', name: 'B', expires: clock.now() + 1000 }, 1)).toBe('inserted');
    expect(await things.insert({ id: 'c', user_id: 'u', name: 'C', expires: clock.now() - 1 }, 1)).toBe('taken');
    await store.close();
  });
});

describe('slottedKeys', () => {
  it('lays out the keys every slotted kind shares (existing app-token and API-key data keeps its keys)', () => {
    const k = slottedKeys('app', 'token', 'user-tokens');
    expect([k.record('t1'), k.userIndex('u1'), k.slot('u1', 3), k.slotHint('u1')]).toEqual([
      'app:token:t1',
      'app:user-tokens:u1',
      'app:user-slot:u1:3',
      'app:user-slot-next:u1',
    ]);
  });
});
