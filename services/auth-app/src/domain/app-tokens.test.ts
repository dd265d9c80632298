import {
  APP_TOKEN_REVOCATIONS,
  AuditPublisher,
  CredentialRevocationPublisher,
  MemoryBus,
  MemoryStore,
  REVOCATION_KEYS,
  SUBJECTS,
  createLogger,
  deriveKey,
  type KeyValueStore,
} from '@gatehouse/shared';
import { FakeClock } from '@gatehouse/shared/testing';
import { codeOf } from '@gatehouse/shared/testing';
import { MemoryUserDirectory } from '@gatehouse/shared/testing';
import { KvTokenRepository, TOKEN_KEYS } from '../store/kv-token-repository.js';
import { AppTokens } from './app-tokens.js';

const H = 3_600_000;
const logger = createLogger({ service: 'auth-app', level: 'silent' });

/** Counts store calls by method, to prove verification is one lookup and never a scan. */
function counting(store: KeyValueStore): { store: KeyValueStore; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

function setup(opts: { maxTokensPerUser?: number } = {}) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const memory = new MemoryStore(clock);
  const { store, calls } = counting(memory);
  const bus = new MemoryBus();
  const events: Array<{ subject: string; payload: Record<string, unknown> }> = [];
  bus.subscribe('gatehouse.>', (payload, subject) => void events.push({ subject, payload }));
  const users = new MemoryUserDirectory();
  const alice = users.add({ id: 'u-alice', email: 'Alice@Example.org', roles: ['user'] });
  const bob = users.add({ id: 'u-bob', email: 'bob@example.org' });
  const tokens = new AppTokens(
    {
      tokens: new KvTokenRepository(store, clock, 2160 * H),
      users,
      revocations: new CredentialRevocationPublisher({ store, bus, clock, logger }, APP_TOKEN_REVOCATIONS, H),
      audit: new AuditPublisher(bus, clock, logger, 'auth-app'),
      clock,
    },
    {
      digestKey: deriveKey('s'.repeat(40), 'app-tokens'),
      maxExpiryMs: 2160 * H,
      maxTokensPerUser: opts.maxTokensPerUser ?? 1000,
      lastUsedIntervalMs: 60_000,
      maxLabelLength: 200,
      maxScopes: 32,
    },
  );
  return { clock, memory, calls, bus, events, users, alice, bob, tokens, done: () => memory.close() };
}

describe('AppTokens', () => {
  it('mints ghapp_<16 hex>_<256-bit secret> and stores only an HMAC digest', async () => {
    const t = setup();
    const { token, record } = await t.tokens.create({
      user: { id: 'u-alice' },
      expiry: '72h',
      label: undefined,
      defaultLabel: 'Generated via API',
    });
    expect(token).toMatch(/^ghapp_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(token.slice(6, 22)).toBe(record.id);
    const stored = await t.memory.get(TOKEN_KEYS.record(record.id));
    expect(stored).not.toContain(token.slice(23));
    expect(JSON.parse(stored!)).toMatchObject({
      user_id: 'u-alice',
      label: 'Generated via API',
      created: t.clock.now(),
      expires: t.clock.now() + 72 * H,
      last_used: 0,
      scopes: [],
      created_by: '',
    });
    expect(await t.memory.ttl(TOKEN_KEYS.record(record.id))).toBe(72 * H);
    await t.done();
  });

  it('verifies a token with exactly one store read and no scan of the user tokens', async () => {
    const t = setup();
    const created = await Promise.all(
      Array.from({ length: 50 }, () => t.tokens.create({ user: { id: 'u-alice' }, expiry: '1h', label: undefined, defaultLabel: 'x' })),
    );
    t.calls.clear();
    const { user, record } = await t.tokens.authenticate('alice@example.org', created[17]!.token);
    expect(user.id).toBe('u-alice');
    expect(record.id).toBe(created[17]!.record.id);
    expect(Object.fromEntries(t.calls)).toEqual({ get: 1, compareAndSet: 1 }); // the lookup + the first last_used write
    t.calls.clear();
    await t.tokens.authenticate('u-alice', created[17]!.token);
    expect(Object.fromEntries(t.calls)).toEqual({ get: 1 }); // last_used throttled: no write
    await t.done();
  });

  it('writes last_used at most once a minute per token', async () => {
    const t = setup();
    const { token, record } = await t.tokens.create({ user: { id: 'u-alice' }, expiry: '1h', label: undefined, defaultLabel: 'x' });
    const lastUsed = async () => (await t.tokens.list('u-alice')).find((r) => r.id === record.id)!.last_used;
    expect(await lastUsed()).toBe(0);
    const first = t.clock.now();
    await t.tokens.authenticate('alice@example.org', token);
    expect(await lastUsed()).toBe(first);
    t.clock.advance(59_000);
    await t.tokens.authenticate('alice@example.org', token);
    expect(await lastUsed()).toBe(first);
    t.clock.advance(1_000);
    await t.tokens.authenticate('alice@example.org', token);
    expect(await lastUsed()).toBe(first + 60_000);
    await t.done();
  });

  it('refuses an expired token at once (before the store TTL) and purges it', async () => {
    const t = setup();
    const { token, record } = await t.tokens.create({ user: { id: 'u-alice' }, expiry: '1h', label: undefined, defaultLabel: 'x' });
    t.clock.advance(H);
    // Simulate a store whose TTL lags (clock skew, lazy expiry): the record is still there.
    await t.memory.set(TOKEN_KEYS.record(record.id), JSON.stringify({ ...record, id: undefined }), { ttlMs: 60_000 });
    expect(await codeOf(t.tokens.authenticate('alice@example.org', token))).toBe('TOKEN_EXPIRED');
    expect(await t.memory.get(TOKEN_KEYS.record(record.id))).toBeNull();
    expect(await t.memory.setMembers('app:user-tokens:u-alice')).toEqual([]);
    expect((await t.memory.zRangeByScore(REVOCATION_KEYS.appTokens, 0, Infinity)).map((m) => m.member)).toEqual([record.id]);
    await t.done();
  });

  it('rejects a forged secret for a real id, a malformed token and an unknown id as INVALID_CREDENTIALS', async () => {
    const t = setup();
    const { token } = await t.tokens.create({ user: { id: 'u-alice' }, expiry: '1h', label: undefined, defaultLabel: 'x' });
    const forged = `${token.slice(0, 23)}${'A'.repeat(43)}`;
    expect(await codeOf(t.tokens.authenticate('alice@example.org', forged))).toBe('INVALID_CREDENTIALS');
    expect(await codeOf(t.tokens.authenticate('alice@example.org', 'password123'))).toBe('INVALID_CREDENTIALS');
    expect(await codeOf(t.tokens.authenticate('alice@example.org', `ghapp_0123456789abcdef_${'A'.repeat(43)}`))).toBe(
      'INVALID_CREDENTIALS',
    );
    expect(await codeOf(t.tokens.authenticate('alice@example.org', token.toUpperCase()))).toBe('INVALID_CREDENTIALS');
    await t.done();
  });

  it("refuses a token presented with another user's name", async () => {
    const t = setup();
    const { token } = await t.tokens.create({ user: { id: 'u-alice' }, expiry: '1h', label: undefined, defaultLabel: 'x' });
    expect(await codeOf(t.tokens.authenticate('bob@example.org', token))).toBe('INVALID_CREDENTIALS');
    expect(await codeOf(t.tokens.authenticate('u-bob', token))).toBe('INVALID_CREDENTIALS');
    expect((await t.tokens.authenticate('ALICE@example.ORG', token)).user.id).toBe('u-alice');
    await t.done();
  });

  it('refuses the token of a deleted, disabled or suspended user', async () => {
    const t = setup();
    const { token } = await t.tokens.create({ user: { id: 'u-alice' }, expiry: '1h', label: undefined, defaultLabel: 'x' });
    t.users.setStatus('u-alice', 'suspended');
    expect(await codeOf(t.tokens.authenticate('alice@example.org', token))).toBe('USER_SUSPENDED');
    t.users.setStatus('u-alice', 'disabled');
    expect(await codeOf(t.tokens.authenticate('alice@example.org', token))).toBe('INVALID_CREDENTIALS');
    t.users.remove('u-alice');
    expect(await codeOf(t.tokens.authenticate('alice@example.org', token))).toBe('INVALID_CREDENTIALS');
    await t.done();
  });

  it("deletes by id or by the token itself, and treats another user's token as unknown", async () => {
    const t = setup();
    const a = await t.tokens.create({ user: { id: 'u-alice' }, expiry: '1h', label: undefined, defaultLabel: 'x' });
    const b = await t.tokens.create({ user: { id: 'u-alice' }, expiry: '1h', label: undefined, defaultLabel: 'x' });
    expect(await codeOf(t.tokens.delete('u-bob', a.record.id))).toBe('NOT_FOUND');
    expect(await codeOf(t.tokens.delete('u-bob', a.token))).toBe('NOT_FOUND');
    await t.tokens.delete('u-alice', a.record.id);
    await t.tokens.delete('u-alice', b.token);
    expect(await codeOf(t.tokens.delete('u-alice', a.record.id))).toBe('NOT_FOUND');
    expect(await codeOf(t.tokens.delete('u-alice', 'nonsense'))).toBe('NOT_FOUND');
    expect(await t.tokens.list('u-alice')).toEqual([]);
    expect(await codeOf(t.tokens.authenticate('alice@example.org', a.token))).toBe('INVALID_CREDENTIALS');
    await t.bus.flush();
    const revoked = t.events.filter((e) => e.subject === SUBJECTS.revokedAppToken).map((e) => e.payload.token_id);
    expect(revoked).toEqual([a.record.id, b.record.id]);
    await t.done();
  });

  it('never resurrects a token deleted between its lookup and the last_used write', async () => {
    const t = setup();
    const { token, record } = await t.tokens.create({ user: { id: 'u-alice' }, expiry: '1h', label: undefined, defaultLabel: 'x' });
    // Delete while authenticate awaits the directory (after the token lookup, before the write).
    const original = t.users.getUser.bind(t.users);
    t.users.getUser = async (key) => {
      await t.tokens.delete('u-alice', record.id);
      return original(key);
    };
    await t.tokens.authenticate('alice@example.org', token).catch(() => undefined);
    expect(await t.memory.get(TOKEN_KEYS.record(record.id))).toBeNull();
    await t.done();
  });

  it('enforces AUTH_APP_MAX_TOKENS_PER_USER, counting only live tokens', async () => {
    const t = setup({ maxTokensPerUser: 3 });
    const make = () => t.tokens.create({ user: { id: 'u-alice' }, expiry: '1h', label: undefined, defaultLabel: 'x' });
    const first = await make();
    await make();
    await make();
    expect(await codeOf(make())).toBe('CONFLICT');
    await t.tokens.delete('u-alice', first.record.id);
    await expect(make()).resolves.toBeDefined();
    t.clock.advance(H); // all expire
    await expect(make()).resolves.toBeDefined();
    expect(await t.tokens.list('u-alice')).toHaveLength(1);
    await t.done();
  });

  it('holds AUTH_APP_MAX_TOKENS_PER_USER under concurrent creates on the memory store too', async () => {
    const t = setup({ maxTokensPerUser: 5 });
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        codeOf(t.tokens.create({ user: { id: 'u-alice' }, expiry: '1h', label: undefined, defaultLabel: 'x' })),
      ),
    );
    expect(results.filter((c) => c === 'OK')).toHaveLength(5);
    expect(results.filter((c) => c === 'CONFLICT')).toHaveLength(15);
    expect(await t.tokens.list('u-alice')).toHaveLength(5);
    await t.done();
  });

  it('refuses to create a token for an unknown or inactive user', async () => {
    const t = setup();
    expect(await codeOf(t.tokens.create({ user: { id: 'nobody' }, expiry: '1h', label: undefined, defaultLabel: 'x' }))).toBe('NOT_FOUND');
    t.users.setStatus('u-bob', 'disabled');
    expect(await codeOf(t.tokens.create({ user: { email: 'bob@example.org' }, expiry: '1h', label: undefined, defaultLabel: 'x' }))).toBe(
      'FORBIDDEN',
    );
    await t.done();
  });

  it('revokes a user without deleting (disabled) or deletes everything (deleted)', async () => {
    const t = setup();
    const a = await t.tokens.create({ user: { id: 'u-alice' }, expiry: '1h', label: undefined, defaultLabel: 'x' });
    await t.tokens.create({ user: { id: 'u-bob' }, expiry: '1h', label: undefined, defaultLabel: 'x' });
    expect(await t.tokens.revokeAllOf('u-alice', false)).toBe(1);
    expect(await t.tokens.list('u-alice')).toHaveLength(1);
    expect(await t.tokens.revokeAllOf('u-alice', true)).toBe(1);
    expect(await t.tokens.list('u-alice')).toEqual([]);
    expect(await t.memory.get(TOKEN_KEYS.record(a.record.id))).toBeNull();
    expect(await t.tokens.list('u-bob')).toHaveLength(1);
    await t.done();
  });
});
