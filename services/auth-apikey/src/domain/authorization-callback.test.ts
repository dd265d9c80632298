import { codeOf } from '@gatehouse/shared/testing';
import { MIN, setupDomain } from '../../test/support/domain-setup.js';
import { API_KEY_STORE_KEYS } from '../store/kv-key-repository.js';
import { stateKey } from '../store/kv-pending-authorizations.js';

describe('KeyAuthorization (the callback)', () => {
  it('turns the key READY when its creator signs in, stores the grant with the refresh token sealed, and redirects back', async () => {
    const t = setupDomain();
    const issued = await t.create();
    const params = t.idp.signIn(t.stateOf(issued), 'u-alice');
    expect(await t.authorization.complete(params)).toEqual({ keyId: issued.record.id, status: 'READY', redirect: '/settings/api-keys' });
    const key = await t.keys.get('u-alice', issued.record.id);
    expect(key).toMatchObject({ status: 'READY', error: '', grant: { subject: 'u-alice', refresh_token: expect.stringMatching(/^rt-/) } });
    const stored = (await t.store.get(API_KEY_STORE_KEYS.record(issued.record.id)))!;
    expect(stored).not.toContain(key.grant!.refresh_token);
    expect((JSON.parse(stored) as { grant: { refresh_token: string } }).grant.refresh_token).toMatch(/^v1\./);
    await t.done();
  });

  it('refuses a replayed state (single use) and an unknown one with INVALID_REQUEST, changing nothing', async () => {
    const t = setupDomain();
    const issued = await t.create();
    const params = t.idp.signIn(t.stateOf(issued), 'u-alice');
    await t.authorization.complete(params);
    expect(await codeOf(t.authorization.complete(params))).toBe('INVALID_REQUEST');
    expect(await codeOf(t.authorization.complete(new URLSearchParams({ code: 'x', state: 'made-up' })))).toBe('INVALID_REQUEST');
    expect(await codeOf(t.authorization.complete(new URLSearchParams({ code: 'x' })))).toBe('INVALID_REQUEST');
    expect((await t.keys.get('u-alice', issued.record.id)).status).toBe('READY');
    await t.done();
  });

  it('refuses a callback with the state twice (parameter pollution)', async () => {
    const t = setupDomain();
    const issued = await t.create();
    const params = t.idp.signIn(t.stateOf(issued), 'u-alice');
    params.append('state', 'another');
    expect(await codeOf(t.authorization.complete(params))).toBe('INVALID_REQUEST');
    await t.done();
  });

  it('lets the state expire after 10 minutes, and never stores the state itself', async () => {
    const t = setupDomain();
    const issued = await t.create();
    const state = t.stateOf(issued);
    expect(await t.store.get(stateKey(state))).not.toBeNull();
    expect(await t.store.get(`apikey:state:${state}`)).toBeNull();
    t.clock.advance(10 * MIN + 1);
    expect(await codeOf(t.authorization.complete(t.idp.signIn(state, 'u-alice')))).toBe('INVALID_REQUEST');
    expect((await t.keys.get('u-alice', issued.record.id)).status).toBe('UNAUTHORIZED');
    await t.done();
  });

  it('turns the key ERROR identity_mismatch when someone else completes the authorization, storing no grant', async () => {
    const t = setupDomain();
    const issued = await t.create('u-alice');
    const outcome = await t.authorize(issued, 'u-bob');
    expect(outcome.status).toBe('ERROR');
    expect(await t.keys.get('u-alice', issued.record.id)).toMatchObject({ status: 'ERROR', error: 'identity_mismatch', grant: null });
    await t.bus.flush();
    expect(t.events.map((e) => e.payload.action)).toContain('api_key.identity_mismatch');
    await t.done();
  });

  it('matches by verified email when AUTH_APIKEY_OIDC_IDENTITY_CLAIM=email, and refuses an unverified one', async () => {
    const t = setupDomain({ identityClaim: 'email' });
    const ok = await t.create();
    await t.authorization.complete(t.idp.signIn(t.stateOf(ok), 'idp-sub-1', { email: 'ALICE@example.org', emailVerified: true }));
    expect((await t.keys.get('u-alice', ok.record.id)).status).toBe('READY');
    const unverified = await t.create();
    await t.authorization.complete(t.idp.signIn(t.stateOf(unverified), 'idp-sub-1', { email: 'alice@example.org', emailVerified: false }));
    expect((await t.keys.get('u-alice', unverified.record.id)).error).toBe('identity_mismatch');
    await t.done();
  });

  it('turns the key ERROR with the IdP’s error when the IdP answers with one (access_denied)', async () => {
    const t = setupDomain();
    const issued = await t.create();
    const outcome = await t.authorization.complete(new URLSearchParams({ error: 'access_denied', state: t.stateOf(issued) }));
    expect(outcome).toMatchObject({ status: 'ERROR', redirect: '/settings/api-keys' });
    expect(await t.keys.get('u-alice', issued.record.id)).toMatchObject({ status: 'ERROR', error: 'access_denied' });
    await t.done();
  });

  it('stores no odd text as an error (an IdP error code that is not one)', async () => {
    const t = setupDomain();
    const issued = await t.create();
    await t.authorization.complete(new URLSearchParams({ error: '<script>alert(1)</script>"', state: t.stateOf(issued) }));
    expect((await t.keys.get('u-alice', issued.record.id)).error).toBe('idp_error');
    await t.done();
  });

  it('turns the key ERROR when the code exchange fails (a forged code) or no refresh token is granted', async () => {
    const t = setupDomain();
    const forged = await t.create();
    await t.authorization.complete(new URLSearchParams({ code: 'forged', state: t.stateOf(forged) }));
    expect(await t.keys.get('u-alice', forged.record.id)).toMatchObject({ status: 'ERROR', error: 'invalid_grant' });
    const online = await t.create();
    await t.authorization.complete(t.idp.signIn(t.stateOf(online), 'u-alice', { offline: false }));
    expect(await t.keys.get('u-alice', online.record.id)).toMatchObject({
      status: 'ERROR',
      error: 'offline_access_not_granted',
      grant: null,
    });
    await t.done();
  });

  it('leaves a key alone when its authorization is stale: refreshed since, or deleted', async () => {
    const t = setupDomain();
    const issued = await t.create();
    const staleParams = t.idp.signIn(t.stateOf(issued), 'u-alice');
    const again = await t.keys.refresh('u-alice', issued.record.id, '');
    expect(await t.authorization.complete(staleParams)).toMatchObject({ status: null });
    expect((await t.keys.get('u-alice', issued.record.id)).status).toBe('UNAUTHORIZED');
    expect(await t.authorize(again)).toMatchObject({ status: 'READY', redirect: '' });
    const gone = await t.create();
    await t.keys.delete('u-alice', gone.record.id);
    expect(await t.authorize(gone)).toMatchObject({ status: null });
    await t.done();
  });

  it('checks finalFrontendRedirect again at the callback: one no longer allowed becomes the short page', async () => {
    const t = setupDomain();
    const issued = await t.create('u-alice', { finalFrontendRedirect: 'https://app.example/keys?key=1' });
    expect(await t.authorize(issued)).toMatchObject({ status: 'READY', redirect: 'https://app.example/keys?key=1' });
    // The allow list shrank between CreateAPIKey and the callback (a restart with a new AUTH_APIKEY_REDIRECT_ALLOW_LIST).
    const later = setupDomain({ callbackAllowList: [] });
    const other = await later.create('u-alice', { finalFrontendRedirect: 'https://app.example/keys?key=2' });
    expect(await later.authorize(other)).toMatchObject({ status: 'READY', redirect: '' });
    await t.done();
    await later.done();
  });

  it('refuses to authorize a key whose creator was disabled meanwhile', async () => {
    const t = setupDomain();
    const issued = await t.create();
    t.users.setStatus('u-alice', 'disabled');
    await t.authorize(issued);
    expect((await t.repo.get(issued.record.id))!.record).toMatchObject({ status: 'ERROR', error: 'creator_not_active' });
    await t.done();
  });
});
