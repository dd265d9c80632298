import {
  NatsBus,
  type RedisStore,
  REVOCATION_KEYS,
  SUBJECTS,
  createAppTokenClient,
  signIdentity,
  type AppTokenClient,
} from '@gatehouse/shared';
import { FakeClock, startBackends, testKeyPair, type TestBackends } from '@gatehouse/shared/testing';
import { codeOf } from '@gatehouse/shared/testing';
import { startHarness, type Harness } from './support/harness.js';
import { call, errorCode, eventually } from './support/http.js';
import { MemoryUserDirectory } from '@gatehouse/shared/testing';

const H = 3_600_000;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

let backends: TestBackends;
let store: RedisStore;
let bus: NatsBus;
let observer: NatsBus;
const events: Array<{ subject: string; payload: Record<string, unknown> }> = [];
const clock = new FakeClock(Date.now());
const users = new MemoryUserDirectory();
let plain: Harness; // AUTH_APP_ENABLE_IMPERSONATION=false (the default)
let imp: Harness; // AUTH_APP_ENABLE_IMPERSONATION=true
let grpc: AppTokenClient;
let einsteinBearer: string;
let adminBearer: string;

beforeAll(async () => {
  backends = await startBackends();
  ({ store, bus } = backends);
  observer = await NatsBus.connect({ url: backends.nats.url });
  observer.subscribe('gatehouse.>', (payload, subject) => void events.push({ subject, payload }));
  await observer.flush();
  users.add({ id: 'u-einstein', email: 'einstein@example.org', name: 'Albert Einstein', roles: ['user'], groups: ['physics'] });
  users.add({ id: 'u-marie', email: 'marie@example.org' });
  users.add({ id: 'u-admin', email: 'admin@example.org', roles: ['admin'] });
  plain = await startHarness({ store, bus, clock, users });
  imp = await startHarness({ store, bus, clock, users, env: { AUTH_APP_ENABLE_IMPERSONATION: 'true' } });
  grpc = createAppTokenClient(plain.grpcAddr);
  einsteinBearer = await plain.identity({ sub: 'u-einstein', email: 'einstein@example.org' });
  adminBearer = await plain.identity({ sub: 'u-admin', email: 'admin@example.org', roles: ['admin'] });
});

afterAll(async () => {
  grpc?.close();
  await plain?.stop();
  await imp?.stop();
  await observer?.close();
  await backends?.stop();
});

describe('seed 004 flows (curl through the proxy, Basic auth via AppTokenService.Authenticate)', () => {
  it('creates with expiry, lists, authenticates with the token, deletes, and the deleted token is refused and revoked on NATS', async () => {
    // curl --request POST '.../auth-app/tokens?expiry=72h' --header 'accept: application/json' --header 'authorization: Bearer {token}'
    const created = await call(plain.base, 'POST', '/auth-app/tokens?expiry=72h', einsteinBearer);
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const body = created.body as { token: string; id: string; label: string; created_date: string; expiration_date: string };
    expect(Object.keys(body).sort()).toEqual(['created_date', 'expiration_date', 'id', 'label', 'token']);
    expect(body.label).toBe('Generated via API');
    expect(body.token).toMatch(/^ghapp_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(body.created_date).toMatch(RFC3339);
    expect(body.expiration_date).toMatch(RFC3339);
    expect(Date.parse(body.expiration_date) - Date.parse(body.created_date)).toBe(72 * H);

    // curl --request GET '.../auth-app/tokens'
    const listed = await call(plain.base, 'GET', '/auth-app/tokens', einsteinBearer);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([
      { id: body.id, label: 'Generated via API', created_date: body.created_date, expiration_date: body.expiration_date, last_used: null },
    ]);
    expect(listed.text).not.toContain(body.token.slice(23));
    expect(listed.text).not.toContain('digest');

    // curl -u einstein@example.org:<token> .../whoami → the proxy calls Authenticate
    const principal = await grpc.Authenticate({ username: 'einstein@example.org', token: body.token });
    expect(principal).toMatchObject({
      user_id: 'u-einstein',
      email: 'einstein@example.org',
      name: 'Albert Einstein',
      roles: ['user'],
      groups: ['physics'],
      amr: ['app'],
      auth_method: 'app',
      token_id: body.id,
      expires_at_ms: Date.parse(body.expiration_date),
      scopes: [],
    });
    const afterUse = (await call(plain.base, 'GET', '/auth-app/tokens', einsteinBearer)).body as Array<{ last_used: string }>;
    expect(afterUse[0]!.last_used).toBe(new Date(clock.now()).toISOString());

    // curl --request DELETE '.../auth-app/tokens?token={value}' (the token itself)
    const deleted = await call(plain.base, 'DELETE', `/auth-app/tokens?token=${encodeURIComponent(body.token)}`, einsteinBearer);
    expect(deleted.status).toBe(204);
    expect(await codeOf(grpc.Authenticate({ username: 'einstein@example.org', token: body.token }))).toBe('INVALID_CREDENTIALS');
    const event = await eventually(() => events.find((e) => e.subject === SUBJECTS.revokedAppToken && e.payload.token_id === body.id));
    expect(event.payload).toMatchObject({ user_id: 'u-einstein', at: clock.now(), exp: clock.now() + H });
    expect(typeof event.payload.id).toBe('string');
    const revoked = await store.zRangeByScore(REVOCATION_KEYS.appTokens, clock.now(), Infinity);
    expect(revoked.map((m) => m.member)).toContain(body.id);
    expect((await call(plain.base, 'GET', '/auth-app/tokens', einsteinBearer)).body).toEqual([]);
  });

  it('deletes by id; an unknown or already deleted token is 404 NOT_FOUND', async () => {
    const created = (await call(plain.base, 'POST', '/auth-app/tokens?expiry=1h&label=Thunderbird', einsteinBearer)).body as {
      id: string;
      label: string;
    };
    expect(created.label).toBe('Thunderbird');
    expect((await call(plain.base, 'DELETE', `/auth-app/tokens?token=${created.id}`, einsteinBearer)).status).toBe(204);
    const again = await call(plain.base, 'DELETE', `/auth-app/tokens?token=${created.id}`, einsteinBearer);
    expect(again.status).toBe(404);
    expect(errorCode(again)).toBe('NOT_FOUND');
    expect(errorCode(await call(plain.base, 'DELETE', '/auth-app/tokens?token=Z3s2K7816M4vuSpd5', einsteinBearer))).toBe('NOT_FOUND');
  });

  it("cannot delete another user's token (it looks unknown)", async () => {
    const marie = await plain.identity({ sub: 'u-marie' });
    const created = (await call(plain.base, 'POST', '/auth-app/tokens?expiry=1h', einsteinBearer)).body as { id: string; token: string };
    expect(errorCode(await call(plain.base, 'DELETE', `/auth-app/tokens?token=${created.id}`, marie))).toBe('NOT_FOUND');
    expect((await grpc.Authenticate({ username: 'einstein@example.org', token: created.token })).user_id).toBe('u-einstein');
    expect((await call(plain.base, 'DELETE', `/auth-app/tokens?token=${created.id}`, einsteinBearer)).status).toBe(204);
  });

  it.each([
    ['POST', '/auth-app/tokens'],
    ['POST', '/auth-app/tokens?expiry='],
    ['POST', '/auth-app/tokens?expiry=72'],
    ['POST', '/auth-app/tokens?expiry=3d'],
    ['POST', '/auth-app/tokens?expiry=0h'],
    ['POST', '/auth-app/tokens?expiry=-1h'],
    ['POST', '/auth-app/tokens?expiry=2161h'],
    ['POST', '/auth-app/tokens?Expiry=72h'],
    ['POST', '/auth-app/tokens?expiry=72h&userid=u-marie'],
    ['POST', '/auth-app/tokens?expiry=72h&UserName=marie@example.org'],
    ['POST', '/auth-app/tokens?expiry=72h&user_id=u-marie'],
    ['POST', '/auth-app/tokens?expiry=72h&expiry=1h'],
    ['POST', '/auth-app/tokens?expiry=72h&scope=files%3Bread'],
    ['POST', '/auth-app/tokens?expiry=72h&label=a%0Ab'],
    ['GET', '/auth-app/tokens?userID=u-marie'],
    ['DELETE', '/auth-app/tokens'],
    ['DELETE', '/auth-app/tokens?tokens=abc'],
  ])('%s %s is 400 INVALID_PAYLOAD and creates nothing', async (method, path) => {
    const before = ((await call(plain.base, 'GET', '/auth-app/tokens', einsteinBearer)).body as unknown[]).length;
    const r = await call(plain.base, method, path, einsteinBearer);
    expect(r.status).toBe(400);
    expect(errorCode(r)).toBe('INVALID_PAYLOAD');
    expect(((await call(plain.base, 'GET', '/auth-app/tokens', einsteinBearer)).body as unknown[]).length).toBe(before);
  });

  it('refuses parameters smuggled in a JSON body instead of ignoring them', async () => {
    const r = await call(plain.base, 'POST', '/auth-app/tokens?expiry=1h', einsteinBearer, {
      body: JSON.stringify({ userID: 'u-marie' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(errorCode(r)).toBe('INVALID_PAYLOAD');
  });

  it('takes optional scopes and hands them to the proxy with the principal', async () => {
    const created = (await call(plain.base, 'POST', '/auth-app/tokens?expiry=1h&scope=files:read%20calendar:read', einsteinBearer))
      .body as { token: string; id: string; scopes: string[] };
    expect(created.scopes).toEqual(['files:read', 'calendar:read']);
    expect((await grpc.Authenticate({ username: 'u-einstein', token: created.token })).scopes).toEqual(['files:read', 'calendar:read']);
    await call(plain.base, 'DELETE', `/auth-app/tokens?token=${created.id}`, einsteinBearer);
  });

  it('requires a valid identity header: none or one signed by another key is 401', async () => {
    expect(errorCode(await call(plain.base, 'GET', '/auth-app/tokens'))).toBe('UNAUTHENTICATED');
    const rogue = await testKeyPair();
    const forged = await signIdentity(
      { sub: 'u-einstein', roles: ['admin'], groups: [], scopes: [], amr: ['pwd'], auth_method: 'bearer' },
      rogue,
      60,
      clock,
      'auth-app',
    );
    const r = await call(plain.base, 'POST', '/auth-app/tokens?expiry=1h', forged);
    expect(r.status).toBe(401);
    expect(errorCode(r)).toBe('UNAUTHENTICATED');
  });

  it('never lets a request authenticated by an app token create, list or delete app tokens', async () => {
    const viaApp = await plain.identity({ sub: 'u-einstein', auth_method: 'app', amr: ['app'], token_id: '0123456789abcdef' });
    const viaAppAmrOnly = await plain.identity({ sub: 'u-einstein', auth_method: 'basic', amr: ['app'] });
    for (const id of [viaApp, viaAppAmrOnly]) {
      expect(errorCode(await call(plain.base, 'POST', '/auth-app/tokens?expiry=1h', id))).toBe('FORBIDDEN');
      expect(errorCode(await call(plain.base, 'GET', '/auth-app/tokens', id))).toBe('FORBIDDEN');
      expect(errorCode(await call(plain.base, 'DELETE', '/auth-app/tokens?token=0123456789abcdef', id))).toBe('FORBIDDEN');
    }
  });

  it('answers other methods with 405 and other paths with 404', async () => {
    expect(errorCode(await call(plain.base, 'PUT', '/auth-app/tokens', einsteinBearer))).toBe('METHOD_NOT_ALLOWED');
    expect(errorCode(await call(plain.base, 'GET', '/auth-app/other', einsteinBearer))).toBe('ROUTE_NOT_FOUND');
  });
});

describe('impersonation', () => {
  it('is refused while AUTH_APP_ENABLE_IMPERSONATION is off, never silently a token for the admin', async () => {
    const before = ((await call(plain.base, 'GET', '/auth-app/tokens', adminBearer)).body as unknown[]).length;
    for (const q of ['userName=einstein@example.org', 'userID=u-einstein']) {
      const r = await call(plain.base, 'POST', `/auth-app/tokens?expiry=72h&${q}`, adminBearer);
      expect(r.status).toBe(403);
      expect(errorCode(r)).toBe('FORBIDDEN');
    }
    expect(((await call(plain.base, 'GET', '/auth-app/tokens', adminBearer)).body as unknown[]).length).toBe(before);
  });

  it('lets an admin create a token for another user by userName or userID when on, audited with both users', async () => {
    const admin = await imp.identity({ sub: 'u-admin', roles: ['admin'] });
    // curl --request POST '.../auth-app/tokens?expiry={value}&userName={value}'
    const byName = await call(imp.base, 'POST', '/auth-app/tokens?expiry=72h&userName=EINSTEIN@Example.org', admin);
    expect(byName.status).toBe(201);
    const t1 = byName.body as { token: string; id: string; label: string };
    expect(t1.label).toBe('Generated via Impersonation API');
    expect((await grpc.Authenticate({ username: 'einstein@example.org', token: t1.token })).user_id).toBe('u-einstein');
    const audit = await eventually(() => events.find((e) => e.subject === SUBJECTS.audit && e.payload.token_id === t1.id));
    expect(audit.payload).toMatchObject({ action: 'app_token.impersonated_create', actor: 'u-admin', subject: 'u-einstein' });

    const byId = await call(imp.base, 'POST', '/auth-app/tokens?expiry=1h&userID=u-einstein&label=migration', admin);
    expect(byId.status).toBe(201);
    expect((byId.body as { label: string }).label).toBe('migration');
    const einsteinList = (await call(imp.base, 'GET', '/auth-app/tokens', await imp.identity({ sub: 'u-einstein' }))).body as Array<{
      id: string;
    }>;
    expect(einsteinList.map((t) => t.id)).toEqual(expect.arrayContaining([t1.id, (byId.body as { id: string }).id]));
    expect(((await call(imp.base, 'GET', '/auth-app/tokens', admin)).body as unknown[]).length).toBe(0);
  });

  it('refuses a non-admin, an unknown target and both parameters at once', async () => {
    const marie = await imp.identity({ sub: 'u-marie' });
    const admin = await imp.identity({ sub: 'u-admin', roles: ['admin'] });
    expect(errorCode(await call(imp.base, 'POST', '/auth-app/tokens?expiry=1h&userName=einstein@example.org', marie))).toBe('FORBIDDEN');
    expect(errorCode(await call(imp.base, 'POST', '/auth-app/tokens?expiry=1h&userID=u-nobody', admin))).toBe('NOT_FOUND');
    expect(
      errorCode(await call(imp.base, 'POST', '/auth-app/tokens?expiry=1h&userID=u-einstein&userName=einstein@example.org', admin)),
    ).toBe('INVALID_PAYLOAD');
    expect(errorCode(await call(imp.base, 'POST', '/auth-app/tokens?expiry=1h&userid=u-einstein', admin))).toBe('INVALID_PAYLOAD');
  });
});

describe('CLI over gRPC (gatehouse auth-app create --user-name=U --expiration=72h)', () => {
  it('creates with the CLI label, lists and deletes', async () => {
    const created = await grpc.CreateAppToken({ user_name: 'Marie@example.org', expiry: '72h' });
    expect(created.info).toMatchObject({ user_id: 'u-marie', label: 'Generated via CLI', expires_at_ms: clock.now() + 72 * H });
    expect((await grpc.Authenticate({ username: 'marie@example.org', token: created.token })).token_id).toBe(created.info!.id);
    const listed = await grpc.ListAppTokens({ user_name: 'marie@example.org' });
    expect(listed.tokens.map((t) => t.id)).toContain(created.info!.id);
    expect(JSON.stringify(listed)).not.toContain(created.token.slice(23));
    await grpc.DeleteAppToken({ user_id: 'u-marie', token: created.info!.id });
    expect(await codeOf(grpc.DeleteAppToken({ user_id: 'u-marie', token: created.info!.id }))).toBe('NOT_FOUND');
    expect(await codeOf(grpc.CreateAppToken({ user_name: 'marie@example.org', expiry: '1d' }))).toBe('INVALID_PAYLOAD');
    expect(await codeOf(grpc.CreateAppToken({ expiry: '1h' }))).toBe('INVALID_PAYLOAD');
    expect(await codeOf(grpc.CreateAppToken({ user_name: 'nobody@example.org', expiry: '1h' }))).toBe('NOT_FOUND');
  });
});

describe('revocation and lifecycle', () => {
  it('refuses an expired token at once', async () => {
    const { token } = await grpc.CreateAppToken({ user_id: 'u-marie', expiry: '30m' });
    clock.advance(30 * 60_000);
    expect(await codeOf(grpc.Authenticate({ username: 'marie@example.org', token }))).toBe('TOKEN_EXPIRED');
    expect(await codeOf(grpc.Authenticate({ username: 'marie@example.org', token }))).toBe('INVALID_CREDENTIALS'); // purged
  });

  it('refuses the token of a deleted user: the user.changed event deletes and revokes its tokens', async () => {
    users.add({ id: 'u-bob', email: 'bob@example.org' });
    const a = await grpc.CreateAppToken({ user_id: 'u-bob', expiry: '1h' });
    const b = await grpc.CreateAppToken({ user_id: 'u-bob', expiry: '1h' });
    await grpc.Authenticate({ username: 'bob@example.org', token: a.token }); // warms the directory cache
    users.remove('u-bob');
    await bus.publish(SUBJECTS.userChanged, { id: 'evt-1', at: clock.now(), user_id: 'u-bob', reason: 'deleted' });
    const ids = [a.info!.id, b.info!.id];
    await eventually(() => ids.every((id) => events.some((e) => e.subject === SUBJECTS.revokedAppToken && e.payload.token_id === id)));
    expect(await store.get(`app:token:${a.info!.id}`)).toBeNull();
    expect(await codeOf(grpc.Authenticate({ username: 'bob@example.org', token: a.token }))).toBe('INVALID_CREDENTIALS');
    expect(await codeOf(grpc.Authenticate({ username: 'bob@example.org', token: b.token }))).toBe('INVALID_CREDENTIALS');
  });

  it('refuses the token of a deleted user even when the event was lost (directory checked, cache bounded)', async () => {
    users.add({ id: 'u-carol', email: 'carol@example.org' });
    const { token } = await grpc.CreateAppToken({ user_id: 'u-carol', expiry: '1h' });
    await grpc.Authenticate({ username: 'carol@example.org', token });
    users.remove('u-carol');
    clock.advance(5_000); // AUTH_APP_USER_CACHE_TTL
    expect(await codeOf(grpc.Authenticate({ username: 'carol@example.org', token }))).toBe('INVALID_CREDENTIALS');
  });

  it('refuses a disabled user at once and revokes its tokens at the proxies, keeping them for re-enabling', async () => {
    users.add({ id: 'u-dave', email: 'dave@example.org' });
    const { token, info } = await grpc.CreateAppToken({ user_id: 'u-dave', expiry: '1h' });
    await grpc.Authenticate({ username: 'dave@example.org', token });
    users.setStatus('u-dave', 'disabled');
    await bus.publish(SUBJECTS.userChanged, { id: 'evt-2', at: clock.now(), user_id: 'u-dave', reason: 'disabled' });
    await eventually(() => events.some((e) => e.subject === SUBJECTS.revokedAppToken && e.payload.token_id === info!.id));
    expect(await codeOf(grpc.Authenticate({ username: 'dave@example.org', token }))).toBe('INVALID_CREDENTIALS');
    users.setStatus('u-dave', 'active');
    await bus.publish(SUBJECTS.userChanged, { id: 'evt-3', at: clock.now(), user_id: 'u-dave', reason: 'updated' });
    await eventually(async () => (await codeOf(grpc.Authenticate({ username: 'dave@example.org', token }))) === 'OK');
  });

  it('deletes the tokens on a password change (AUTH_APP_REVOKE_ON_PASSWORD_CHANGE defaults to true)', async () => {
    users.add({ id: 'u-erin', email: 'erin@example.org' });
    const { token, info } = await grpc.CreateAppToken({ user_id: 'u-erin', expiry: '1h' });
    await bus.publish(SUBJECTS.userChanged, { id: 'evt-4', at: clock.now(), user_id: 'u-erin', reason: 'password_changed' });
    await eventually(() => events.some((e) => e.subject === SUBJECTS.revokedAppToken && e.payload.token_id === info!.id));
    expect(await codeOf(grpc.Authenticate({ username: 'erin@example.org', token }))).toBe('INVALID_CREDENTIALS');
  });
});
