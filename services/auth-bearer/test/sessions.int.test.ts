import { randomUUID } from 'node:crypto';
import { REVOCATION_KEYS, SUBJECTS } from '@gatehouse/shared';
import { eventually, postJson, principal, startAuthBearer, startBackends, type Backends, type Running } from './harness.js';
import { codeOf } from '@gatehouse/shared/testing';

describe('auth-bearer sessions and refresh tokens (real Redis + NATS)', () => {
  let b: Backends;
  let app: Running;

  beforeAll(async () => {
    b = await startBackends();
    app = await startAuthBearer(b, { SESSION_REFRESH_GRACE_PERIOD: '10s' });
  });
  afterAll(async () => {
    await app?.stop();
    await b?.stop();
  });

  const open = async (user = `u-${randomUUID()}`) => {
    app.users.add({ id: user, roles: ['user'] });
    const set = await app.grpc.OpenSession({
      principal: principal(user),
      client_id: 'web',
      amr: ['pwd'],
      ip: '10.0.0.1',
      user_agent: 'jest',
    });
    return { user, set };
  };

  it('opens a session: an at+jwt bound to the session and a 256-bit refresh token stored only as a digest', async () => {
    const { user, set } = await open();
    expect(set.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(set.session_id).toBeTruthy();
    const v = await app.grpc.VerifyToken({ token: set.access_token, audience: '' });
    const claims = JSON.parse(v.claims_json) as Record<string, unknown>;
    expect(claims).toMatchObject({
      sub: user,
      sid: set.session_id,
      client_id: 'web',
      amr: ['pwd'],
      aud: 'gatehouse',
      iss: 'https://auth.example.test',
      roles: ['user'],
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(15 * 60);
    const keys = await app.store.client.keys('*');
    expect(keys.some((k) => k.includes(set.refresh_token))).toBe(false);
    const raw = await app.store.client.mget(
      ...keys.filter((k) => k.startsWith('gh:bearer:') && !k.includes('user-sessions') && !k.endsWith(':keys')),
    );
    expect(raw.some((v) => v?.includes(set.refresh_token))).toBe(false);
  });

  it('rotates the refresh token on every refresh and refreshes claims from the directory', async () => {
    const { user, set } = await open();
    app.users.add({ id: user, roles: ['user', 'editor'], name: 'Renamed' });
    const next = await app.grpc.RefreshSession({ refresh_token: set.refresh_token });
    expect(next.refresh_token).not.toBe(set.refresh_token);
    expect(next.session_id).toBe(set.session_id);
    const claims = JSON.parse((await app.grpc.VerifyToken({ token: next.access_token })).claims_json) as Record<string, unknown>;
    expect(claims).toMatchObject({ roles: ['user', 'editor'], name: 'Renamed', sid: set.session_id });
    const third = await app.grpc.RefreshSession({ refresh_token: next.refresh_token });
    expect(third.refresh_token).not.toBe(next.refresh_token);
  });

  it('detects reuse of a rotated refresh token after the grace window and revokes the whole family (with a NATS event)', async () => {
    const { user, set } = await open();
    const next = await app.grpc.RefreshSession({ refresh_token: set.refresh_token });
    app.clock.advance(11_000);
    expect(await codeOf(app.grpc.RefreshSession({ refresh_token: set.refresh_token }))).toBe('INVALID_TOKEN');
    // The attacker's reuse also kills the legitimate successor and every token of the session.
    expect(await codeOf(app.grpc.RefreshSession({ refresh_token: next.refresh_token }))).toBe('INVALID_TOKEN');
    expect(await codeOf(app.grpc.VerifyToken({ token: next.access_token }))).toBe('INVALID_TOKEN');
    const ev = await eventually(() => app.events.find((e) => e.subject === SUBJECTS.revokedSession && e.payload.sid === set.session_id));
    expect(ev.payload).toMatchObject({ user_id: user, sid: set.session_id });
    expect(typeof ev.payload.id).toBe('string');
    expect(ev.payload.exp as number).toBeGreaterThan(app.clock.now());
    const listed = await app.store.zRangeByScore(REVOCATION_KEYS.sessions, app.clock.now(), Number.MAX_SAFE_INTEGER);
    expect(listed.map((m) => m.member)).toContain(set.session_id);
    await eventually(() =>
      app.events.find(
        (e) => e.subject === SUBJECTS.audit && e.payload.action === 'session.refresh_token_reuse' && e.payload.subject === set.session_id,
      ),
    );
  });

  it('gives parallel refreshes of one token inside the grace window the same successor', async () => {
    const { set } = await open();
    const results = await Promise.all(Array.from({ length: 5 }, () => app.grpc.RefreshSession({ refresh_token: set.refresh_token })));
    const successors = new Set(results.map((r) => r.refresh_token));
    expect(successors.size).toBe(1);
    const [successor] = [...successors];
    expect(successor).not.toBe(set.refresh_token);
    // The session is alive and the shared successor works.
    const after = await app.grpc.RefreshSession({ refresh_token: successor! });
    expect(after.session_id).toBe(set.session_id);
  });

  it('treats a late parallel refresh (outside the grace window) as reuse', async () => {
    const { set } = await open();
    const first = await app.grpc.RefreshSession({ refresh_token: set.refresh_token });
    app.clock.advance(5_000);
    const second = await app.grpc.RefreshSession({ refresh_token: set.refresh_token });
    expect(second.refresh_token).toBe(first.refresh_token);
    app.clock.advance(6_000);
    expect(await codeOf(app.grpc.RefreshSession({ refresh_token: set.refresh_token }))).toBe('INVALID_TOKEN');
    expect(await codeOf(app.grpc.GetSession({ session_id: set.session_id }))).toBe('INVALID_TOKEN');
  });

  it('refuses a refresh once the user is disabled in the directory, and ends the session', async () => {
    const { user, set } = await open();
    app.users.add({ id: user, status: 'disabled' });
    expect(await codeOf(app.grpc.RefreshSession({ refresh_token: set.refresh_token }))).toBe('INVALID_TOKEN');
    expect(await codeOf(app.grpc.GetSession({ session_id: set.session_id }))).toBe('INVALID_TOKEN');
  });

  it('ends a session at its idle expiry', async () => {
    const { set } = await open();
    app.clock.advance(24 * 3_600_000 + 1);
    expect(await codeOf(app.grpc.RefreshSession({ refresh_token: set.refresh_token }))).toBe('TOKEN_EXPIRED');
  });

  it('rejects malformed and unknown refresh tokens with INVALID_TOKEN, never a 500', async () => {
    for (const t of ['x', 'a'.repeat(43), 'ü'.repeat(43), '../../etc/passwd'.padEnd(43, 'a')]) {
      expect(await codeOf(app.grpc.RefreshSession({ refresh_token: t }))).toBe('INVALID_TOKEN');
    }
    const res = await postJson(`${app.http}/auth/refresh`, { refresh_token: 'a'.repeat(43) });
    expect(res.status).toBe(401);
    expect(res.body!.errors[0].extensions.code).toBe('INVALID_TOKEN');
    expect((await postJson(`${app.http}/auth/refresh`, { refresh_token: 42 })).status).toBe(400);
    expect((await postJson(`${app.http}/auth/refresh`, { mode: 'telepathy', refresh_token: 'a'.repeat(43) })).status).toBe(400);
  });

  it('revokes every session of a user when a user-changed event arrives on NATS', async () => {
    const user = `u-${randomUUID()}`;
    const a = await open(user);
    const c = await open(user);
    expect((await app.grpc.ListSessions({ user_id: user })).sessions).toHaveLength(2);
    await app.observer.publish(SUBJECTS.userChanged, { id: randomUUID(), at: Date.now(), user_id: user, reason: 'password_changed' });
    await eventually(async () => (await app.grpc.ListSessions({ user_id: user })).sessions.length === 0);
    expect(await codeOf(app.grpc.RefreshSession({ refresh_token: a.set.refresh_token }))).toBe('INVALID_TOKEN');
    expect(await codeOf(app.grpc.VerifyToken({ token: c.set.access_token }))).toBe('INVALID_TOKEN');
    const ev = await eventually(() => app.events.find((e) => e.subject === SUBJECTS.revokedUser && e.payload.user_id === user));
    expect(ev.payload.not_before).toEqual(expect.any(Number));
    // An 'updated' event does not revoke anything.
    const d = await open(user);
    await app.observer.publish(SUBJECTS.userChanged, { id: randomUUID(), at: Date.now(), user_id: user, reason: 'updated' });
    await app.observer.flush();
    await new Promise((r) => setTimeout(r, 100));
    expect((await app.grpc.GetSession({ session_id: d.set.session_id })).user_id).toBe(user);
  });

  it('handles a replayed user-changed event once (events are idempotent by id)', async () => {
    const user = `u-${randomUUID()}`;
    await open(user);
    const id = randomUUID();
    await app.observer.publish(SUBJECTS.userChanged, { id, at: Date.now(), user_id: user, reason: 'disabled' });
    await eventually(() => app.events.find((e) => e.subject === SUBJECTS.revokedUser && e.payload.user_id === user));
    await app.observer.publish(SUBJECTS.userChanged, { id, at: Date.now(), user_id: user, reason: 'disabled' });
    await app.observer.flush();
    await new Promise((r) => setTimeout(r, 150));
    expect(app.events.filter((e) => e.subject === SUBJECTS.revokedUser && e.payload.user_id === user)).toHaveLength(1);
  });

  it('acts on one user change once: a retried RevokeUser (same change_id) or its late event never ends a later login', async () => {
    const user = `u-${randomUUID()}`;
    const a = await open(user);
    const change = randomUUID();
    expect((await app.grpc.RevokeUser({ user_id: user, reason: 'password_changed', change_id: change })).revoked).toBe(1);
    app.clock.advance(2000);
    const b = await open(user); // the login after the password change
    expect((await app.grpc.RevokeUser({ user_id: user, reason: 'password_changed', change_id: change })).revoked).toBe(0);
    await app.observer.publish(SUBJECTS.userChanged, { id: change, at: Date.now(), user_id: user, reason: 'password_changed' });
    await app.observer.flush();
    await new Promise((r) => setTimeout(r, 150));
    expect((await app.grpc.GetSession({ session_id: b.set.session_id })).id).toBe(b.set.session_id);
    expect(await codeOf(app.grpc.GetSession({ session_id: a.set.session_id }))).toBe('INVALID_TOKEN');
    // Without a change id, every call revokes (the CLI, tools).
    expect((await app.grpc.RevokeUser({ user_id: user, reason: 'revoked' })).revoked).toBe(1);
  });

  it('revokes by session id and by refresh token over gRPC, and sessions list newest first', async () => {
    const user = `u-${randomUUID()}`;
    const a = await open(user);
    const c = await open(user);
    expect((await app.grpc.RevokeSession({ session_id: a.set.session_id })).revoked).toBe(1);
    expect((await app.grpc.RevokeSession({ session_id: a.set.session_id })).revoked).toBe(0);
    expect((await app.grpc.RevokeSession({ refresh_token: c.set.refresh_token })).revoked).toBe(1);
    expect((await app.grpc.RevokeUser({ user_id: user })).revoked).toBe(0);
  });

  it('GetSession by refresh token returns the principal (the proxy uses it for session cookies)', async () => {
    const { user, set } = await open();
    const info = await app.grpc.GetSession({ refresh_token: set.refresh_token });
    expect(info).toMatchObject({
      id: set.session_id,
      user_id: user,
      client_id: 'web',
      principal: { user_id: user, sid: set.session_id, auth_method: 'session' },
    });
  });

  describe('REST /auth/refresh and /auth/logout (Directus shapes)', () => {
    const cookieOf = (h: Headers, name: string) => h.getSetCookie().find((c) => c.startsWith(`${name}=`));
    const valueOf = (cookie: string | undefined) => cookie?.split(';')[0]!.split('=')[1];

    it('refreshes in json mode with the token in the body', async () => {
      const { set } = await open();
      const res = await postJson(`${app.http}/auth/refresh`, { refresh_token: set.refresh_token, mode: 'json' });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body!.data).toMatchObject({
        access_token: expect.any(String),
        refresh_token: expect.any(String),
        expires: expect.any(Number),
      });
      expect(res.body!.data.refresh_token).not.toBe(set.refresh_token);
    });

    it('refreshes in cookie mode from the refresh cookie, and in session mode from the session cookie', async () => {
      const { set } = await open();
      const r1 = await postJson(`${app.http}/auth/refresh`, { mode: 'cookie' }, { cookie: `gatehouse_refresh_token=${set.refresh_token}` });
      expect(r1.status).toBe(200);
      expect(r1.body!.data.refresh_token).toBeUndefined();
      const c1 = cookieOf(r1.headers, 'gatehouse_refresh_token');
      expect(c1).toMatch(/HttpOnly/);
      const r2 = await postJson(`${app.http}/auth/refresh`, { mode: 'session' }, { cookie: `gatehouse_session_token=${valueOf(c1)}` });
      expect(r2.status).toBe(200);
      expect(r2.body!.data.access_token).toBeUndefined();
      expect(cookieOf(r2.headers, 'gatehouse_session_token')).toMatch(/HttpOnly/);
    });

    it('logs out in json mode (body), cookie mode and session mode, clearing cookies', async () => {
      const a = await open();
      const r1 = await postJson(`${app.http}/auth/logout`, { refresh_token: a.set.refresh_token });
      expect(r1.status).toBe(204);
      expect(await codeOf(app.grpc.GetSession({ session_id: a.set.session_id }))).toBe('INVALID_TOKEN');

      const c = await open();
      const r2 = await postJson(
        `${app.http}/auth/logout`,
        { mode: 'cookie' },
        { cookie: `gatehouse_refresh_token=${c.set.refresh_token}` },
      );
      expect(r2.status).toBe(204);
      expect(cookieOf(r2.headers, 'gatehouse_refresh_token')).toMatch(/Expires=Thu, 01 Jan 1970/);
      expect(await codeOf(app.grpc.GetSession({ session_id: c.set.session_id }))).toBe('INVALID_TOKEN');

      const s = await open();
      const r3 = await postJson(
        `${app.http}/auth/logout`,
        { mode: 'session' },
        { cookie: `gatehouse_session_token=${s.set.refresh_token}` },
      );
      expect(r3.status).toBe(204);
      expect(cookieOf(r3.headers, 'gatehouse_session_token')).toMatch(/Expires=Thu, 01 Jan 1970/);
      expect(await codeOf(app.grpc.GetSession({ session_id: s.set.session_id }))).toBe('INVALID_TOKEN');
      await eventually(() => app.events.find((e) => e.subject === SUBJECTS.revokedSession && e.payload.sid === s.set.session_id));
    });

    it('answers logout without a token with INVALID_PAYLOAD and an unknown token quietly with 204', async () => {
      const none = await postJson(`${app.http}/auth/logout`, {});
      expect(none.status).toBe(400);
      expect(none.body!.errors[0].extensions.code).toBe('INVALID_PAYLOAD');
      expect((await postJson(`${app.http}/auth/logout`, { refresh_token: 'b'.repeat(43) })).status).toBe(204);
      expect((await postJson(`${app.http}/auth/logout`, { refresh_token: 'not-even-a-token' })).status).toBe(204);
    });
  });
});
