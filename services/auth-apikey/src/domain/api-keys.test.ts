import { REVOCATION_KEYS } from '@gatehouse/shared/events';
import { codeOf } from '@gatehouse/shared/testing';
import { setupDomain } from '../../test/support/domain-setup.js';
import { API_KEY_STORE_KEYS } from '../store/kv-key-repository.js';
import { keyIdOf } from './key-format.js';

describe('ApiKeys', () => {
  it('creates an UNAUTHORIZED key ghk_<32 hex id>_<256-bit secret>, storing only an HMAC digest', async () => {
    const t = setupDomain();
    const issued = await t.create('u-alice', { name: ' deploy bot ', scopes: ['read:things', 'read:things', 'write:things'] });
    expect(issued.apiKey).toMatch(/^ghk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(keyIdOf(issued.apiKey)).toBe(issued.record.id);
    expect(issued.record).toMatchObject({
      user_id: 'u-alice',
      name: 'deploy bot',
      scopes: ['read:things', 'write:things'],
      status: 'UNAUTHORIZED',
      error: '',
      generation: 1,
      grant: null,
      last_used: 0,
      created: t.clock.now(),
    });
    const stored = (await t.store.get(API_KEY_STORE_KEYS.record(issued.record.id)))!;
    expect(stored).not.toContain(issued.apiKey.slice(37));
    expect(JSON.parse(stored)).toMatchObject({ digest: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    await t.done();
  });

  it('returns an authorizeURL whose state is random and single-use, never the key id, with a PKCE S256 challenge', async () => {
    const t = setupDomain();
    const a = await t.create();
    const b = await t.create();
    const q = new URL(a.authorizeURL).searchParams;
    expect(q.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')).not.toContain(a.record.id);
    expect(q.get('state')).not.toContain(a.record.id.replaceAll('-', ''));
    expect(q.get('state')).not.toBe(t.stateOf(b));
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('nonce')).toBeTruthy();
    await t.done();
  });

  it.each([
    ['a scope outside AUTH_APIKEY_SCOPES', { scopes: ['admin:everything'] }],
    ['a malformed scope', { scopes: ['read things'] }],
    ['an empty name', { name: '   ' }],
    ['a name with control characters', { name: 'ci\u001b[2J' }],
    ['a foreign finalFrontendRedirect', { finalFrontendRedirect: 'https://evil.example/keys' }],
    ['a finalFrontendRedirect below an allow-listed URL', { finalFrontendRedirect: 'https://app.example/keys/1' }],
    ['a protocol-relative finalFrontendRedirect', { finalFrontendRedirect: '//evil.example' }],
    ['a javascript: finalFrontendRedirect', { finalFrontendRedirect: 'javascript:alert(1)' }],
  ])('refuses %s with INVALID_PAYLOAD and stores nothing', async (_name, input) => {
    const t = setupDomain();
    expect(await codeOf(t.create('u-alice', input))).toBe('INVALID_PAYLOAD');
    expect(await t.keys.list('u-alice')).toEqual([]);
    expect(t.idp.started).toHaveLength(0);
    await t.done();
  });

  it('accepts an allow-listed absolute finalFrontendRedirect, and none at all', async () => {
    const t = setupDomain();
    await expect(t.create('u-alice', { finalFrontendRedirect: 'https://app.example/keys?key=1' })).resolves.toBeDefined();
    await expect(t.create('u-alice', { finalFrontendRedirect: '' })).resolves.toBeDefined();
    await t.done();
  });

  it('refuses a caller who is not an active user, and stores nothing when the IdP cannot be reached', async () => {
    const t = setupDomain();
    t.users.setStatus('u-bob', 'suspended');
    expect(await codeOf(t.create('u-bob'))).toBe('FORBIDDEN');
    t.idp.down = true;
    expect(await codeOf(t.create('u-alice'))).toBe('SERVICE_UNAVAILABLE');
    expect(await t.keys.list('u-alice')).toEqual([]);
    await t.done();
  });

  it('holds AUTH_APIKEY_MAX_KEYS_PER_USER under concurrent creates (CONFLICT beyond it), per user', async () => {
    const t = setupDomain({ maxKeysPerUser: 3 });
    const results = await Promise.all(Array.from({ length: 10 }, () => codeOf(t.create('u-alice'))));
    expect(results.filter((r) => r === 'OK')).toHaveLength(3);
    expect(results.filter((r) => r === 'CONFLICT')).toHaveLength(7);
    expect(await t.keys.list('u-alice')).toHaveLength(3);
    await expect(t.create('u-bob')).resolves.toBeDefined();
    const [first] = await t.keys.list('u-alice');
    await t.keys.delete('u-alice', first!.id);
    await expect(t.create('u-alice')).resolves.toBeDefined();
    await t.done();
  });

  it("answers another user's key as NOT_FOUND, exactly like an unknown one, for every method", async () => {
    const t = setupDomain();
    const { record } = await t.create('u-alice');
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const id of [record.id, unknown]) {
      expect(await codeOf(t.keys.get('u-bob', id))).toBe('NOT_FOUND');
      expect(await codeOf(t.keys.rename('u-bob', id, 'mine now'))).toBe('NOT_FOUND');
      expect(await codeOf(t.keys.refresh('u-bob', id, ''))).toBe('NOT_FOUND');
      expect(await codeOf(t.keys.delete('u-bob', id))).toBe('NOT_FOUND');
    }
    expect(await t.keys.list('u-bob')).toEqual([]);
    expect((await t.keys.get('u-alice', record.id)).name).toBe('ci');
    await t.done();
  });

  it('lists the caller’s keys oldest first and renames (name only)', async () => {
    const t = setupDomain();
    const a = await t.create('u-alice', { name: 'first' });
    t.clock.advance(1000);
    const b = await t.create('u-alice', { name: 'second' });
    expect((await t.keys.list('u-alice')).map((k) => k.name)).toEqual(['first', 'second']);
    const renamed = await t.keys.rename('u-alice', b.record.id, 'renamed');
    expect(renamed).toMatchObject({ name: 'renamed', scopes: b.record.scopes, status: 'UNAUTHORIZED', digest: b.record.digest });
    expect(await codeOf(t.keys.rename('u-alice', a.record.id, ''))).toBe('INVALID_PAYLOAD');
    await t.done();
  });

  it('refresh: a new secret under the same id, name and scopes kept, UNAUTHORIZED again, old tokens revoked up to the old generation', async () => {
    const t = setupDomain();
    const first = await t.ready('u-alice', { name: 'ci', scopes: ['write:things'] });
    expect((await t.keys.get('u-alice', first.record.id)).status).toBe('READY');
    const again = await t.keys.refresh('u-alice', first.record.id, '/back');
    expect(keyIdOf(again.apiKey)).toBe(first.record.id);
    expect(again.apiKey).not.toBe(first.apiKey);
    expect(again.record).toMatchObject({ name: 'ci', scopes: ['write:things'], status: 'UNAUTHORIZED', generation: 2, grant: null });
    expect(t.stateOf(again)).not.toBe(t.stateOf(first));
    await t.bus.flush();
    expect(t.revocations()).toEqual([expect.objectContaining({ token_id: first.record.id, user_id: 'u-alice', generation: 1 })]);
    expect(await t.store.zRangeByScore(REVOCATION_KEYS.apiKeys, 0, Infinity)).toEqual([
      expect.objectContaining({ member: `${first.record.id}:1` }),
    ]);
    await t.done();
  });

  it('delete: the key is gone and every token minted from it is revoked (a bare id: every generation)', async () => {
    const t = setupDomain();
    const issued = await t.ready();
    await t.keys.delete('u-alice', issued.record.id);
    expect(await codeOf(t.keys.get('u-alice', issued.record.id))).toBe('NOT_FOUND');
    expect(await codeOf(t.keys.delete('u-alice', issued.record.id))).toBe('NOT_FOUND');
    await t.bus.flush();
    expect(t.revocations()).toEqual([expect.objectContaining({ token_id: issued.record.id })]);
    expect(t.revocations()[0]).not.toHaveProperty('generation');
    expect(t.events.map((e) => e.payload.action)).toContain('api_key.delete');
    await t.done();
  });

  it('revokeAllOf: a deleted user loses the keys, a disabled one keeps them as REVOKED; tokens revoked either way', async () => {
    const t = setupDomain();
    const a = await t.ready('u-alice');
    const b = await t.ready('u-bob');
    expect(await t.keys.revokeAllOf('u-alice', false)).toBe(1);
    expect((await t.keys.get('u-alice', a.record.id)).status).toBe('REVOKED');
    expect((await t.keys.get('u-alice', a.record.id)).grant).toBeNull();
    expect(await t.keys.revokeAllOf('u-bob', true)).toBe(1);
    expect(await t.keys.list('u-bob')).toEqual([]);
    await t.bus.flush();
    expect(t.revocations()).toEqual([
      expect.objectContaining({ token_id: a.record.id, generation: 1 }),
      expect.objectContaining({ token_id: b.record.id }),
    ]);
    expect(t.revocations()[1]).not.toHaveProperty('generation');
    await t.done();
  });
});
