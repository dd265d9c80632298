import { randomUUID } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { type GatehouseError, type NatsBus, REVOCATION_KEYS, type RedisStore, SUBJECTS, systemClock } from '@gatehouse/shared';
import { codeOf, eventually, signInAtIdp, startBackends, type TestBackends } from '@gatehouse/shared/testing';
import { startHarness, type Harness } from './support/harness.js';

const md = (entries: Record<string, string>) => {
  const m = new Metadata();
  for (const [k, v] of Object.entries(entries)) m.set(k, v);
  return m;
};
const uuidOf = (bytes: Buffer) => bytes.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

describe('auth-apikey: ApiKeyService over gRPC and the IdP callback (real Redis, NATS and oidc-provider)', () => {
  let backends: TestBackends;
  let store: RedisStore;
  let bus: NatsBus;
  let h: Harness;
  let alice: Metadata;
  let bob: Metadata;

  beforeAll(async () => {
    backends = await startBackends();
    ({ store, bus } = backends);
    h = await startHarness({
      store,
      bus,
      clock: systemClock,
      env: { AUTH_APIKEY_GRANT_MAX_AGE: '2s', AUTH_APIKEY_EXCHANGE_RATE_PER_ADDRESS: '20' },
    });
    h.users.add({ id: 'u-alice', email: 'alice@example.org', roles: ['user'] });
    h.users.add({ id: 'u-bob', email: 'bob@example.org' });
    alice = await h.as({ sub: 'u-alice' });
    bob = await h.as({ sub: 'u-bob' });
  }, 30_000);

  afterAll(async () => {
    await h?.stop();
    await backends?.stop();
  });

  const create = (meta: Metadata, req: Partial<{ name: string; scopes: string[]; finalFrontendRedirect: string }> = {}) =>
    h.client.CreateAPIKey({ name: 'ci', scopes: ['read:things'], finalFrontendRedirect: '/settings/api-keys', ...req }, { metadata: meta });
  /** The browser's last hop: the IdP's redirect to the callback. */
  const callback = (url: URL | string) => fetch(url, { redirect: 'manual' });
  const status = async (meta: Metadata, uuid: Buffer) => (await h.client.GetAPIKey({ uuid }, { metadata: meta })).key!.metadata!;

  it('creates, authorizes through the IdP’s login form, and exchanges a key for a token minted by auth-bearer', async () => {
    const created = await create(alice, { scopes: ['read:things', 'write:things'] });
    const meta = created.key!.metadata!;
    expect(meta.uuid).toHaveLength(16);
    expect(meta.key).toMatch(new RegExp(`^ghk_${meta.uuid.toString('hex')}_[A-Za-z0-9_-]{43}$`));
    expect(meta.status).toBe('KEY_STATUS_UNAUTHORIZED');
    expect(created.key!.properties!.name).toBe('ci');
    const authorize = new URL(created.authorizeURL);
    expect(authorize.origin).toBe(h.idp.issuer);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${h.base}/apikey/oauthcallback`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')).not.toContain(meta.uuid.toString('hex'));

    const back = await signInAtIdp(created.authorizeURL, { login: 'u-alice' });
    expect(back.href.startsWith(`${h.base}/apikey/oauthcallback?`)).toBe(true);
    const res = await callback(back);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/settings/api-keys');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');

    const got = await status(alice, meta.uuid);
    expect(got).toMatchObject({ status: 'KEY_STATUS_READY', key: '', error: '', scopes: ['read:things', 'write:things'] });
    expect(Number(got.created!.seconds)).toBeGreaterThan(0);
    expect(got.lastUsed).toBeNull();

    const { accessToken } = await h.client.ExchangeKeyForToken({ apiKey: meta.key });
    expect(accessToken).toMatch(/^minted-/);
    const minted = h.tokens.requests.at(-1)!;
    expect(minted).toMatchObject({
      principal: {
        user_id: 'u-alice',
        email: 'alice@example.org',
        roles: ['user'],
        amr: ['apikey'],
        scopes: ['read:things', 'write:things'],
      },
      scopes: ['read:things', 'write:things'],
      ttl_seconds: 600,
      api_key_id: uuidOf(meta.uuid),
      api_key_generation: 1,
    });
    expect((await status(alice, meta.uuid)).lastUsed).not.toBeNull();
  });

  it('mints an admin’s key tokens without the admin role: a delegated credential never administers', async () => {
    h.users.add({ id: 'u-admin', email: 'admin@example.org', roles: ['admin', 'ops'] });
    const admin = await h.as({ sub: 'u-admin', roles: ['admin', 'ops'] });
    const created = await create(admin);
    await callback(await signInAtIdp(created.authorizeURL, { login: 'u-admin' }));
    await h.client.ExchangeKeyForToken({ apiKey: created.key!.metadata!.key });
    expect(h.tokens.requests.at(-1)!.principal).toMatchObject({ user_id: 'u-admin', roles: ['ops'], amr: ['apikey'] });
  });

  it('refuses a replayed callback and an unknown state with 400 INVALID_REQUEST, never cached', async () => {
    const created = await create(alice);
    const back = await signInAtIdp(created.authorizeURL, { login: 'u-alice' });
    expect((await callback(back)).status).toBe(302);
    const replay = await callback(back);
    expect(replay.status).toBe(400);
    expect(replay.headers.get('cache-control')).toBe('no-store');
    expect(((await replay.json()) as any).errors[0].extensions.code).toBe('INVALID_REQUEST');
    const unknown = new URL(back);
    unknown.searchParams.set('state', 'an-unknown-state');
    expect((await callback(unknown)).status).toBe(400);
    expect(await callback(`${h.base}/apikey/oauthcallback`).then((r) => r.status)).toBe(400);
    expect((await status(alice, created.key!.metadata!.uuid)).status).toBe('KEY_STATUS_READY');
  });

  it('turns the key ERROR identity_mismatch when another person completes the authorization, and it cannot be exchanged', async () => {
    const created = await create(alice);
    const back = await signInAtIdp(created.authorizeURL, { login: 'u-bob' });
    expect((await callback(back)).status).toBe(302);
    expect(await status(alice, created.key!.metadata!.uuid)).toMatchObject({ status: 'KEY_STATUS_ERROR', error: 'identity_mismatch' });
    expect(await codeOf(h.client.ExchangeKeyForToken({ apiKey: created.key!.metadata!.key }))).toBe('FORBIDDEN');
  });

  it('turns the key ERROR with the IdP’s error when the person cancels at the IdP (access_denied)', async () => {
    const created = await create(alice);
    const back = await signInAtIdp(created.authorizeURL, { login: 'u-alice', abort: true });
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect((await callback(back)).status).toBe(302);
    expect(await status(alice, created.key!.metadata!.uuid)).toMatchObject({ status: 'KEY_STATUS_ERROR', error: 'access_denied' });
  });

  it('answers a key without finalFrontendRedirect with a short page, not a redirect', async () => {
    const created = await create(alice, { finalFrontendRedirect: '' });
    const res = await callback(await signInAtIdp(created.authorizeURL, { login: 'u-alice' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toContain('now READY');
  });

  it.each([
    ['a foreign finalFrontendRedirect', { finalFrontendRedirect: 'https://evil.example/keys' }],
    ['a user-info finalFrontendRedirect', { finalFrontendRedirect: 'https://app.example@evil.example/keys' }],
    ['a scope outside AUTH_APIKEY_SCOPES', { scopes: ['admin'] }],
  ])('refuses %s with INVALID_ARGUMENT', async (_name, req) => {
    const err = await create(alice, req).catch((e: unknown) => e as GatehouseError);
    expect(err).toMatchObject({ code: 'INVALID_PAYLOAD', grpcStatus: 3 });
  });

  it("answers another user's uuid as NOT_FOUND for Get, Update, Refresh and Delete", async () => {
    const { uuid } = (await create(alice)).key!.metadata!;
    expect(await codeOf(h.client.GetAPIKey({ uuid }, { metadata: bob }))).toBe('NOT_FOUND');
    expect(await codeOf(h.client.UpdateAPIKey({ uuid, properties: { name: 'x' } }, { metadata: bob }))).toBe('NOT_FOUND');
    expect(await codeOf(h.client.RefreshAPIKey({ uuid, finalFrontendRedirect: '' }, { metadata: bob }))).toBe('NOT_FOUND');
    expect(await codeOf(h.client.DeleteAPIKey({ uuid }, { metadata: bob }))).toBe('NOT_FOUND');
    expect((await h.client.ListAPIKeys({}, { metadata: bob })).keys).toEqual([]);
    expect(await codeOf(h.client.GetAPIKey({ uuid: Buffer.alloc(3) }, { metadata: alice }))).toBe('INVALID_PAYLOAD');
  });

  it('refuses delegated callers with PERMISSION_DENIED and callers without a valid identity with UNAUTHENTICATED', async () => {
    for (const who of [
      { sub: 'u-alice', auth_method: 'bearer', amr: ['apikey'] },
      { sub: 'u-alice', auth_method: 'app', amr: ['app'] },
      { sub: 'u-alice', act: { sub: 'svc-reports' } },
    ]) {
      const meta = await h.as(who);
      expect(await codeOf(h.client.ListAPIKeys({}, { metadata: meta }))).toBe('FORBIDDEN');
      expect(await codeOf(create(meta))).toBe('FORBIDDEN');
    }
    expect(await codeOf(h.client.ListAPIKeys({}))).toBe('UNAUTHENTICATED');
    const forged = md({ 'x-gatehouse-identity': `${(alice.get('x-gatehouse-identity')[0] as string).slice(0, -4)}AAAA` });
    expect(await codeOf(h.client.ListAPIKeys({}, { metadata: forged }))).toBe('UNAUTHENTICATED');
  });

  it('refreshes: the old key is refused at once, its tokens are revoked up to its generation, the new one works once authorized', async () => {
    const created = await create(alice);
    const { uuid, key: oldKey } = created.key!.metadata!;
    await callback(await signInAtIdp(created.authorizeURL, { login: 'u-alice' }));
    await h.client.ExchangeKeyForToken({ apiKey: oldKey });
    const refreshed = (await h.client.RefreshAPIKey({ uuid, finalFrontendRedirect: '/done' }, { metadata: alice })).response!;
    expect(refreshed.key!.metadata).toMatchObject({ uuid, status: 'KEY_STATUS_UNAUTHORIZED', scopes: ['read:things'] });
    expect(refreshed.key!.properties!.name).toBe('ci');
    expect(await codeOf(h.client.ExchangeKeyForToken({ apiKey: oldKey }))).toBe('INVALID_CREDENTIALS');
    const revoked = await store.zRangeByScore(REVOCATION_KEYS.apiKeys, 0, Number.POSITIVE_INFINITY);
    expect(revoked.map((m) => m.member)).toContain(`${uuidOf(uuid)}:1`);
    const res = await callback(await signInAtIdp(refreshed.authorizeURL, { login: 'u-alice' }));
    expect(res.headers.get('location')).toBe('/done');
    await h.client.ExchangeKeyForToken({ apiKey: refreshed.key!.metadata!.key });
    expect(h.tokens.requests.at(-1)).toMatchObject({ api_key_id: uuidOf(uuid), api_key_generation: 2 });
  });

  it('refreshes the grant at the IdP when due, and turns the key ERROR once the person revoked it there', async () => {
    const created = await create(alice);
    const { uuid, key } = created.key!.metadata!;
    await callback(await signInAtIdp(created.authorizeURL, { login: 'u-alice' }));
    const grantOf = async () => (await h.app.keys.get('u-alice', uuidOf(uuid))).grant!;
    const first = await grantOf();
    await new Promise((r) => setTimeout(r, 2100)); // AUTH_APIKEY_GRANT_MAX_AGE=2s
    await h.client.ExchangeKeyForToken({ apiKey: key });
    const second = await grantOf();
    // Only an answer from the IdP's token endpoint moves refreshed_at.
    expect(second.refreshed_at).toBeGreaterThan(first.refreshed_at);
    expect(second.subject).toBe('u-alice');

    expect(h.idp.revokeGrantsOf('u-alice')).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 2100));
    const err = await h.client.ExchangeKeyForToken({ apiKey: key }).catch((e: unknown) => e as GatehouseError);
    expect(err).toMatchObject({ code: 'FORBIDDEN', extensions: { status: 'KEY_STATUS_ERROR' } });
    expect(await status(alice, uuid)).toMatchObject({ status: 'KEY_STATUS_ERROR', error: 'invalid_grant' });
  }, 15_000);

  it('rate-limits exchanges per client address, the address taken from the proxy’s x-forwarded-for (trusted loopback peer)', async () => {
    const bogus = { apiKey: 'not-a-key' };
    const from = (ip: string) => ({ metadata: md({ 'x-forwarded-for': `6.6.6.6, ${ip}` }) });
    for (let i = 0; i < 20; i++)
      expect(await codeOf(h.client.ExchangeKeyForToken(bogus, from('203.0.113.50')))).toBe('INVALID_CREDENTIALS');
    const err = (await h.client.ExchangeKeyForToken(bogus, from('203.0.113.50')).catch((e: unknown) => e)) as GatehouseError;
    expect(err).toMatchObject({ code: 'REQUESTS_EXCEEDED', grpcStatus: 8 });
    expect(err.retryAfter).toBeGreaterThan(0);
    expect(await codeOf(h.client.ExchangeKeyForToken(bogus, from('203.0.113.51')))).toBe('INVALID_CREDENTIALS');
  });

  it('deletes the keys of a deleted user and revokes their tokens on gatehouse.user.changed', async () => {
    h.users.add({ id: 'u-carol', email: 'carol@example.org' });
    const carol = await h.as({ sub: 'u-carol' });
    const { uuid } = (await create(carol)).key!.metadata!;
    await bus.publish(SUBJECTS.userChanged, { id: randomUUID(), at: Date.now(), user_id: 'u-carol', reason: 'deleted' });
    await eventually(async () => (await h.client.ListAPIKeys({}, { metadata: carol })).keys.length === 0, 5000);
    const revoked = await store.zRangeByScore(REVOCATION_KEYS.apiKeys, 0, Number.POSITIVE_INFINITY);
    expect(revoked.map((m) => m.member)).toContain(uuidOf(uuid));
  });
});
