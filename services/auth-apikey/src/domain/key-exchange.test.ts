import { codeOf } from '@gatehouse/shared/testing';
import type { GatehouseError } from '@gatehouse/shared/errors';
import { MIN, setupDomain } from '../../test/support/domain-setup.js';

const ADDR = '203.0.113.7';

describe('KeyExchange', () => {
  it('mints the creator’s token with exactly the key’s scopes, its id and generation (auth-bearer signs)', async () => {
    const t = setupDomain();
    const issued = await t.ready('u-alice', { scopes: ['write:things'] });
    expect(await t.exchange.exchange(issued.apiKey, ADDR)).toBe(`token:u-alice:${issued.record.id}:1:write:things`);
    expect(t.minter.minted[0]).toMatchObject({
      user: { id: 'u-alice', roles: ['user'] },
      scopes: ['write:things'],
      keyId: issued.record.id,
      generation: 1,
    });
    await t.done();
  });

  it('refuses a key that is not READY yet with FORBIDDEN naming its status', async () => {
    const t = setupDomain();
    const issued = await t.create();
    const err = await t.exchange.exchange(issued.apiKey, ADDR).catch((e: unknown) => e as GatehouseError);
    expect(err).toMatchObject({ code: 'FORBIDDEN', extensions: { status: 'KEY_STATUS_UNAUTHORIZED' } });
    expect(t.minter.minted).toHaveLength(0);
    await t.done();
  });

  it.each([
    ['a wrong secret under a real id', (k: string) => `${k.slice(0, 37)}${k.at(37) === 'A' ? 'B' : 'A'}${k.slice(38)}`],
    ['an app token', () => `ghapp_0123456789abcdef_${'x'.repeat(43)}`],
    ['garbage', () => 'not-a-key'],
    ['an unknown id', () => `ghk_${'0'.repeat(32)}_${'y'.repeat(43)}`],
  ])('refuses %s with INVALID_CREDENTIALS', async (_name, make) => {
    const t = setupDomain();
    const issued = await t.ready();
    expect(await codeOf(t.exchange.exchange(make(issued.apiKey), ADDR))).toBe('INVALID_CREDENTIALS');
    await t.done();
  });

  it('refuses the old secret at once after a refresh, and the new one until it is authorized', async () => {
    const t = setupDomain();
    const first = await t.ready();
    const again = await t.keys.refresh('u-alice', first.record.id, '');
    expect(await codeOf(t.exchange.exchange(first.apiKey, ADDR))).toBe('INVALID_CREDENTIALS');
    expect(await codeOf(t.exchange.exchange(again.apiKey, ADDR))).toBe('FORBIDDEN');
    await t.authorize(again);
    expect(await t.exchange.exchange(again.apiKey, ADDR)).toBe(`token:u-alice:${first.record.id}:2:read:things`);
    await t.done();
  });

  it('refuses a deleted key', async () => {
    const t = setupDomain();
    const issued = await t.ready();
    await t.keys.delete('u-alice', issued.record.id);
    expect(await codeOf(t.exchange.exchange(issued.apiKey, ADDR))).toBe('INVALID_CREDENTIALS');
    await t.done();
  });

  it('rate-limits per key (60 a minute) and tells when to retry', async () => {
    const t = setupDomain({ perKey: 60 });
    const issued = await t.ready();
    const other = await t.ready();
    for (let i = 0; i < 60; i++) await t.exchange.exchange(issued.apiKey, `198.51.100.${i}`);
    const err = await t.exchange.exchange(issued.apiKey, ADDR).catch((e: unknown) => e as GatehouseError);
    expect(err).toMatchObject({ code: 'REQUESTS_EXCEEDED', retryAfter: 60 });
    await expect(t.exchange.exchange(other.apiKey, ADDR)).resolves.toBeDefined(); // another key has its own budget
    t.clock.advance(MIN);
    await expect(t.exchange.exchange(issued.apiKey, ADDR)).resolves.toBeDefined();
    await t.done();
  });

  it('rate-limits per client address before any lookup, bad keys included', async () => {
    const t = setupDomain({ perAddress: 5 });
    const issued = await t.ready();
    for (let i = 0; i < 5; i++) expect(await codeOf(t.exchange.exchange('not-a-key', ADDR))).toBe('INVALID_CREDENTIALS');
    expect(await codeOf(t.exchange.exchange(issued.apiKey, ADDR))).toBe('REQUESTS_EXCEEDED');
    await expect(t.exchange.exchange(issued.apiKey, '198.51.100.1')).resolves.toBeDefined();
    await t.done();
  });

  it('does not let failed guesses spend a key’s own budget', async () => {
    const t = setupDomain({ perKey: 2 });
    const issued = await t.ready();
    const wrong = `${issued.apiKey.slice(0, 37)}${'Z'.repeat(43)}`;
    for (let i = 0; i < 5; i++) expect(await codeOf(t.exchange.exchange(wrong, ADDR))).toBe('INVALID_CREDENTIALS');
    await expect(t.exchange.exchange(issued.apiKey, ADDR)).resolves.toBeDefined();
    await t.done();
  });

  it('writes lastUsed at most once a minute', async () => {
    const t = setupDomain();
    const issued = await t.ready();
    const t0 = t.clock.now();
    await t.exchange.exchange(issued.apiKey, ADDR);
    t.clock.advance(30_000);
    await t.exchange.exchange(issued.apiKey, ADDR);
    expect((await t.keys.get('u-alice', issued.record.id)).last_used).toBe(t0);
    t.clock.advance(30_000);
    await t.exchange.exchange(issued.apiKey, ADDR);
    expect((await t.keys.get('u-alice', issued.record.id)).last_used).toBe(t0 + MIN);
    await t.done();
  });

  it('refreshes the IdP grant when due (rotating its refresh token) and not before', async () => {
    const t = setupDomain();
    const issued = await t.ready();
    const before = (await t.keys.get('u-alice', issued.record.id)).grant!;
    await t.exchange.exchange(issued.apiKey, ADDR);
    expect(t.idp.refreshes).toBe(0);
    t.clock.advance(60 * MIN);
    await t.exchange.exchange(issued.apiKey, ADDR);
    expect(t.idp.refreshes).toBe(1);
    const after = (await t.keys.get('u-alice', issued.record.id)).grant!;
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect(after).toMatchObject({ subject: 'u-alice', refreshed_at: t.clock.now() });
    await t.exchange.exchange(issued.apiKey, ADDR);
    expect(t.idp.refreshes).toBe(1);
    await t.done();
  });

  it('turns the key ERROR on invalid_grant from the IdP and revokes the tokens minted from it', async () => {
    const t = setupDomain();
    const issued = await t.ready();
    await t.exchange.exchange(issued.apiKey, ADDR);
    t.idp.revokeGrantsOf('u-alice');
    t.clock.advance(60 * MIN);
    expect(await codeOf(t.exchange.exchange(issued.apiKey, ADDR))).toBe('FORBIDDEN');
    expect(await t.keys.get('u-alice', issued.record.id)).toMatchObject({ status: 'ERROR', error: 'invalid_grant', grant: null });
    await t.bus.flush();
    expect(t.revocations()).toEqual([expect.objectContaining({ token_id: issued.record.id, generation: 1 })]);
    expect(t.minter.minted).toHaveLength(1);
    await t.done();
  });

  it('keeps the key READY when the IdP is merely down: this exchange is SERVICE_UNAVAILABLE', async () => {
    const t = setupDomain();
    const issued = await t.ready();
    t.clock.advance(60 * MIN);
    t.idp.down = true;
    expect(await codeOf(t.exchange.exchange(issued.apiKey, ADDR))).toBe('SERVICE_UNAVAILABLE');
    expect((await t.keys.get('u-alice', issued.record.id)).status).toBe('READY');
    t.idp.down = false;
    await expect(t.exchange.exchange(issued.apiKey, ADDR)).resolves.toBeDefined();
    await t.done();
  });

  it('refreshes a due grant once when exchanges race (a rotated refresh token is single use)', async () => {
    const t = setupDomain();
    const issued = await t.ready();
    t.clock.advance(60 * MIN);
    const results = await Promise.all(Array.from({ length: 5 }, () => codeOf(t.exchange.exchange(issued.apiKey, ADDR))));
    expect(results).toEqual(['OK', 'OK', 'OK', 'OK', 'OK']);
    expect(t.idp.refreshes).toBe(1);
    expect((await t.keys.get('u-alice', issued.record.id)).status).toBe('READY');
    await t.done();
  });

  it('refuses and revokes the key of a creator the directory no longer has active (a missed user.changed event)', async () => {
    const t = setupDomain();
    const issued = await t.ready();
    t.users.setStatus('u-alice', 'disabled');
    const err = await t.exchange.exchange(issued.apiKey, ADDR).catch((e: unknown) => e as GatehouseError);
    expect(err).toMatchObject({ code: 'FORBIDDEN', extensions: { status: 'KEY_STATUS_REVOKED' } });
    expect((await t.repo.get(issued.record.id))!.record.status).toBe('REVOKED');
    await t.bus.flush();
    expect(t.revocations()).toHaveLength(1);
    await t.done();
  });
});
