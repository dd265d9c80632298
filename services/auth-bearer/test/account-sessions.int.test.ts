import { randomUUID } from 'node:crypto';
import { IDENTITY_HEADER, SUBJECTS, type Identity } from '@gatehouse/shared';
import { testKeyPair } from '@gatehouse/shared/testing';
import { eventually, principal, startAuthBearer, startBackends, type Backends, type HttpResult, type Running } from './harness.js';
import { codeOf } from '@gatehouse/shared/testing';

describe("the caller's own sessions: GET/DELETE /auth/sessions (real Redis + NATS)", () => {
  let b: Backends;
  let app: Running;

  beforeAll(async () => {
    b = await startBackends();
    app = await startAuthBearer(b);
  });
  afterAll(async () => {
    await app?.stop();
    await b?.stop();
  });

  const newUser = () => {
    const id = `u-${randomUUID()}`;
    app.users.add({ id, roles: ['user'] });
    return id;
  };
  const open = async (user: string, user_agent = 'jest') =>
    app.grpc.OpenSession({ principal: principal(user), client_id: 'web', amr: ['pwd', 'otp'], ip: '203.0.113.9', user_agent });
  const who = (sub: string, extra: Partial<Identity> = {}): Identity => ({
    sub,
    roles: ['user'],
    groups: [],
    scopes: [],
    amr: ['pwd'],
    auth_method: 'bearer',
    ...extra,
  });

  const call = async (method: 'GET' | 'DELETE' | 'PUT', path: string, identity?: string): Promise<HttpResult> => {
    const res = await fetch(`${app.http}${path}`, { method, headers: identity ? { [IDENTITY_HEADER]: identity } : {} });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
  };
  const as = async (identity: Identity) => app.identityHeader(identity);
  const codeIn = (r: HttpResult) => (r.body?.errors as Array<{ extensions: { code: string } }> | undefined)?.[0]?.extensions.code;
  const noStore = (r: HttpResult) =>
    expect({ status: r.status, cacheControl: r.headers.get('cache-control') }).toEqual({ status: r.status, cacheControl: 'no-store' });

  it("lists only the caller's sessions, marks the one the request is bound to as current, and shows no token or digest", async () => {
    const alice = newUser();
    const bob = newUser();
    const a1 = await open(alice, 'Firefox');
    app.clock.advance(1000);
    const a2 = await open(alice, 'Safari');
    const b1 = await open(bob);

    const r = await call('GET', '/auth/sessions', await as(who(alice, { sid: a2.session_id })));
    expect(r.status).toBe(200);
    noStore(r);
    const list = r.body!.data as Array<Record<string, unknown>>;
    expect(list.map((s) => s.id).sort()).toEqual([a1.session_id, a2.session_id].sort());
    expect(list.map((s) => s.id)).not.toContain(b1.session_id);
    const current = list.find((s) => s.id === a2.session_id)!;
    expect(current).toEqual({
      id: a2.session_id,
      client_id: 'web',
      amr: ['pwd', 'otp'],
      created: new Date(app.clock.now()).toISOString(),
      last_used: new Date(app.clock.now()).toISOString(),
      expires: new Date(app.clock.now() + 24 * 3_600_000).toISOString(),
      ip: '203.0.113.9',
      user_agent: 'Safari',
      current: true,
    });
    expect(list.find((s) => s.id === a1.session_id)).toMatchObject({ current: false, user_agent: 'Firefox' });
    const raw = JSON.stringify(r.body);
    for (const secret of [a1.refresh_token, a2.refresh_token, a1.access_token]) expect(raw).not.toContain(secret);
    expect(raw).not.toMatch(/[0-9a-f]{64}/);

    // Without a sid in the identity (e.g. HTTP Basic), no session is current.
    const basic = await call('GET', '/auth/sessions', await as(who(alice, { auth_method: 'basic' })));
    expect((basic.body!.data as Array<{ current: boolean }>).map((s) => s.current)).toEqual([false, false]);
  });

  it("ends one of the caller's sessions: its refresh token fails and gatehouse.revoked.session is published", async () => {
    const alice = newUser();
    const keep = await open(alice);
    const end = await open(alice);
    const r = await call('DELETE', `/auth/sessions/${end.session_id}`, await as(who(alice, { sid: keep.session_id })));
    expect(r.status).toBe(204);
    noStore(r);
    expect(await codeOf(app.grpc.RefreshSession({ refresh_token: end.refresh_token }))).toBe('INVALID_TOKEN');
    expect(await codeOf(app.grpc.VerifyToken({ token: end.access_token }))).toBe('INVALID_TOKEN');
    await eventually(() =>
      app.events.find((e) => e.subject === SUBJECTS.revokedSession && e.payload.sid === end.session_id && e.payload.user_id === alice),
    );
    // The other session lives on, and the list no longer shows the ended one.
    await expect(app.grpc.RefreshSession({ refresh_token: keep.refresh_token })).resolves.toBeTruthy();
    const list = await call('GET', '/auth/sessions', await as(who(alice)));
    expect((list.body!.data as Array<{ id: string }>).map((s) => s.id)).toEqual([keep.session_id]);
    // Ending it again: it no longer exists.
    expect((await call('DELETE', `/auth/sessions/${end.session_id}`, await as(who(alice)))).status).toBe(404);
  });

  it("attack: ending another user's session answers 404 exactly as an unknown id does, and that session still refreshes", async () => {
    const mallory = newUser();
    const victim = newUser();
    const v = await open(victim);
    const header = await as(who(mallory));
    const other = await call('DELETE', `/auth/sessions/${v.session_id}`, header);
    const unknown = await call('DELETE', `/auth/sessions/${randomUUID()}`, header);
    const garbage = await call('DELETE', `/auth/sessions/${encodeURIComponent('../../x')}`, header);
    for (const r of [other, unknown, garbage]) {
      expect(r.status).toBe(404);
      expect(codeIn(r)).toBe('NOT_FOUND');
      noStore(r);
    }
    expect(other.body).toEqual(unknown.body);
    await expect(app.grpc.RefreshSession({ refresh_token: v.refresh_token })).resolves.toMatchObject({ session_id: v.session_id });
    expect(app.events.some((e) => e.subject === SUBJECTS.revokedSession && e.payload.sid === v.session_id)).toBe(false);
  });

  it('signs out everywhere: every session of the caller ends, their session-less tokens are void, others are untouched; gatehouse.revoked.user is published', async () => {
    const alice = newUser();
    const bob = newUser();
    const sessions = [await open(alice), await open(alice), await open(alice)];
    const minted = (await app.grpc.MintAccessToken({ principal: principal(alice), scopes: ['read'], audience: '', ttl_seconds: 600 }))
      .access_token;
    const bobs = await open(bob);
    // Tokens issued in the second of the revocation still count (issue-time precision is seconds).
    app.clock.advance(1000);

    const r = await call('DELETE', '/auth/sessions', await as(who(alice, { sid: sessions[0]!.session_id })));
    expect(r.status).toBe(204);
    noStore(r);
    for (const s of sessions) expect(await codeOf(app.grpc.RefreshSession({ refresh_token: s.refresh_token }))).toBe('INVALID_TOKEN');
    expect(await codeOf(app.grpc.VerifyToken({ token: minted }))).toBe('INVALID_TOKEN');
    await eventually(() => app.events.find((e) => e.subject === SUBJECTS.revokedUser && e.payload.user_id === alice));
    for (const s of sessions)
      await eventually(() => app.events.find((e) => e.subject === SUBJECTS.revokedSession && e.payload.sid === s.session_id));
    const list = await call('GET', '/auth/sessions', await as(who(alice)));
    expect(list.body).toEqual({ data: [] });

    await expect(app.grpc.RefreshSession({ refresh_token: bobs.refresh_token })).resolves.toMatchObject({ session_id: bobs.session_id });
    expect(app.events.some((e) => e.subject === SUBJECTS.revokedUser && e.payload.user_id === bob)).toBe(false);
  });

  it('answers 401 UNAUTHENTICATED without an identity header, on every route, and changes nothing', async () => {
    const alice = newUser();
    const s = await open(alice);
    for (const [method, path] of [
      ['GET', '/auth/sessions'],
      ['DELETE', '/auth/sessions'],
      ['DELETE', `/auth/sessions/${s.session_id}`],
    ] as const) {
      const r = await call(method, path);
      expect({ method, path, status: r.status, code: codeIn(r) }).toEqual({ method, path, status: 401, code: 'UNAUTHENTICATED' });
      noStore(r);
    }
    await expect(app.grpc.RefreshSession({ refresh_token: s.refresh_token })).resolves.toBeTruthy();
  });

  it("attack: a forged identity header (signed by another key, even under the proxy's kid) answers 401", async () => {
    const alice = newUser();
    const s = await open(alice);
    const rogue = await testKeyPair('ES256');
    for (const key of [rogue, { ...rogue, kid: app.proxyKey.kid }]) {
      const forged = await app.identityHeader(who(alice), key);
      for (const [method, path] of [
        ['GET', '/auth/sessions'],
        ['DELETE', '/auth/sessions'],
        ['DELETE', `/auth/sessions/${s.session_id}`],
      ] as const) {
        const r = await call(method, path, forged);
        expect({ method, path, status: r.status, code: codeIn(r) }).toEqual({ method, path, status: 401, code: 'UNAUTHENTICATED' });
      }
    }
    await expect(app.grpc.RefreshSession({ refresh_token: s.refresh_token })).resolves.toBeTruthy();
  });

  it.each([
    ['an app token', { auth_method: 'app', amr: ['app'] }],
    ['an API key', { auth_method: 'apikey', amr: ['apikey'] }],
    ['a bearer token minted for an app (amr app)', { auth_method: 'bearer', amr: ['app'] }],
    ['a service acting for the user (act)', { act: { sub: 'svc-search' } }],
  ])('attack: a caller authenticated by %s gets 403 FORBIDDEN on every route, and nothing is revoked', async (_label, extra) => {
    const alice = newUser();
    const s = await open(alice);
    const header = await as(who(alice, { sid: s.session_id, ...extra }));
    for (const [method, path] of [
      ['GET', '/auth/sessions'],
      ['DELETE', '/auth/sessions'],
      ['DELETE', `/auth/sessions/${s.session_id}`],
    ] as const) {
      const r = await call(method, path, header);
      expect({ method, path, status: r.status, code: codeIn(r) }).toEqual({ method, path, status: 403, code: 'FORBIDDEN' });
      noStore(r);
    }
    await expect(app.grpc.RefreshSession({ refresh_token: s.refresh_token })).resolves.toBeTruthy();
  });

  it('answers 405 METHOD_NOT_ALLOWED to other methods', async () => {
    const r = await call('PUT', '/auth/sessions', await as(who(newUser())));
    expect(r.status).toBe(405);
    expect(codeIn(r)).toBe('METHOD_NOT_ALLOWED');
    noStore(r);
  });
});
