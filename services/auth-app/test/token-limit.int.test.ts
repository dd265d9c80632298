import { type NatsBus, type RedisStore } from '@gatehouse/shared';
import { FakeClock, startBackends, type TestBackends } from '@gatehouse/shared/testing';
import { codeOf } from '@gatehouse/shared/testing';
import { startHarness, type Harness } from './support/harness.js';
import { call, errorCode, type HttpResult } from './support/http.js';
import { MemoryUserDirectory } from '@gatehouse/shared/testing';
import { TOKEN_KEYS } from '../src/store/kv-token-repository.js';

/**
 * AUTH_APP_MAX_TOKENS_PER_USER under concurrency, against a real redis-server: a check-then-insert
 * would let concurrent creates all see "4 of 5" and all insert; here a token must win one of the
 * user's MAX slots (SET NX) before it exists, so exactly MAX of any burst succeed.
 */
const MAX = 5;
const BURST = 20;
const H = 3_600_000;

let backends: TestBackends;
let store: RedisStore;
let bus: NatsBus;
let h: Harness;
const clock = new FakeClock(Date.now());
const users = new MemoryUserDirectory();

beforeAll(async () => {
  backends = await startBackends();
  ({ store, bus } = backends);
  h = await startHarness({ store, bus, clock, users, env: { AUTH_APP_MAX_TOKENS_PER_USER: String(MAX) } });
}, 30_000);

afterAll(async () => {
  await h?.stop();
  await backends?.stop();
});

async function burst(userId: string, n: number, expiry = '72h'): Promise<{ created: string[]; codes: Array<string | undefined> }> {
  const identity = await h.identity({ sub: userId, email: `${userId}@example.org` });
  const results: HttpResult[] = await Promise.all(
    Array.from({ length: n }, () => call(h.base, 'POST', `/auth-app/tokens?expiry=${expiry}`, identity)),
  );
  const created = results.filter((r) => r.status === 201).map((r) => (r.body as { id: string }).id);
  return { created, codes: results.filter((r) => r.status !== 201).map((r) => (r.status === 409 ? errorCode(r) : `HTTP ${r.status}`)) };
}

async function heldSlots(userId: string): Promise<string[]> {
  const held = await store.mget(Array.from({ length: MAX }, (_, n) => TOKEN_KEYS.slot(userId, n)));
  return held.filter((id): id is string => id !== null).sort();
}

async function del(userId: string, id: string): Promise<number> {
  return (await call(h.base, 'DELETE', `/auth-app/tokens?token=${id}`, await h.identity({ sub: userId, email: `${userId}@example.org` })))
    .status;
}

it(`lets exactly ${MAX} of ${BURST} concurrent creates for one user succeed; the other ${BURST - MAX} get 409 CONFLICT`, async () => {
  users.add({ id: 'u-burst', email: 'u-burst@example.org' });
  const { created, codes } = await burst('u-burst', BURST);
  expect(created).toHaveLength(MAX);
  expect(codes).toEqual(Array(BURST - MAX).fill('CONFLICT'));
  expect((await h.app.tokens.list('u-burst')).map((r) => r.id).sort()).toEqual([...created].sort());
  expect(await heldSlots('u-burst')).toEqual([...created].sort());
  // The refused creations left nothing behind: no record, no index entry.
  expect((await store.setMembers('app:user-tokens:u-burst')).sort()).toEqual([...created].sort());
  // Another user is not affected by this user's limit.
  users.add({ id: 'u-other', email: 'u-other@example.org' });
  expect((await burst('u-other', 1)).created).toHaveLength(1);
});

it('frees exactly one slot per deleted token, even when the same token is deleted concurrently', async () => {
  users.add({ id: 'u-del', email: 'u-del@example.org' });
  const { created } = await burst('u-del', MAX);
  expect(created).toHaveLength(MAX);
  const statuses = await Promise.all(Array.from({ length: 10 }, () => del('u-del', created[0]!)));
  expect(statuses.sort()).toEqual([204, ...Array(9).fill(404)]);
  const again = await burst('u-del', BURST);
  expect(again.created).toHaveLength(1);
  expect(again.codes).toEqual(Array(BURST - 1).fill('CONFLICT'));
  expect(await h.app.tokens.list('u-del')).toHaveLength(MAX);
});

it('frees the slots of expired tokens (before the store TTL) and of purged ones', async () => {
  users.add({ id: 'u-exp', email: 'u-exp@example.org' });
  const short = await burst('u-exp', MAX, '1h');
  expect(short.created).toHaveLength(MAX);
  expect((await burst('u-exp', 1)).codes).toEqual(['CONFLICT']);
  clock.advance(H); // all five expired by the service clock; Redis still holds records and slots (real TTL 1h)
  expect(await store.get(TOKEN_KEYS.record(short.created[0]!))).not.toBeNull();
  const next = await burst('u-exp', BURST);
  expect(next.created).toHaveLength(MAX);
  expect(next.codes).toEqual(Array(BURST - MAX).fill('CONFLICT'));
  expect((await h.app.tokens.list('u-exp')).map((r) => r.id).sort()).toEqual([...next.created].sort());

  // Purged at first use after expiry: its slot is free at once.
  users.add({ id: 'u-purge', email: 'u-purge@example.org' });
  const identity = await h.identity({ sub: 'u-purge', email: 'u-purge@example.org' });
  const one = await call(h.base, 'POST', '/auth-app/tokens?expiry=1m', identity);
  const { token, id } = one.body as { token: string; id: string };
  expect(await heldSlots('u-purge')).toEqual([id]);
  clock.advance(60_000);
  expect(await codeOf(h.app.tokens.authenticate('u-purge@example.org', token))).toBe('TOKEN_EXPIRED');
  expect(await store.get(TOKEN_KEYS.record(id))).toBeNull();
  expect(await heldSlots('u-purge')).toEqual([]);
});

it('heals a slot left behind by a crash between deleting a token and freeing its slot', async () => {
  users.add({ id: 'u-crash', email: 'u-crash@example.org' });
  const { created } = await burst('u-crash', MAX);
  expect(created).toHaveLength(MAX);
  await store.del(TOKEN_KEYS.record(created[0]!)); // the record is gone, its slot still names it
  expect(await heldSlots('u-crash')).toContain(created[0]!);
  const again = await burst('u-crash', BURST);
  expect(again.created).toHaveLength(1);
  expect(again.codes).toEqual(Array(BURST - 1).fill('CONFLICT'));
  expect(await heldSlots('u-crash')).not.toContain(created[0]!);
  expect(await h.app.tokens.list('u-crash')).toHaveLength(MAX);
});
