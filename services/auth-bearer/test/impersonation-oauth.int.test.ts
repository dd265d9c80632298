import { randomUUID } from 'node:crypto';
import { SUBJECTS } from '@gatehouse/shared';
import {
  eventually,
  hex256,
  postForm,
  postJson,
  principal,
  startAuthBearer,
  startBackends,
  type Backends,
  type Running,
} from './harness.js';
import { codeOf } from '@gatehouse/shared/testing';

const SVC_SECRET = 'svc-secret-value-0123456789';
const ADMIN_SVC_SECRET = 'admin-svc-secret-0123456789';
const RS_SECRET = 'resource-server-secret-123';
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('auth-bearer impersonation and RFC 7009/7662 endpoints (real Redis + NATS)', () => {
  let b: Backends;
  let app: Running;

  beforeAll(async () => {
    b = await startBackends();
    app = await startAuthBearer(b, {
      AUTH_BEARER_SERVICE_ACCOUNTS: JSON.stringify([
        { client_id: 'svc-search', secret_sha256: hex256(SVC_SECRET), scopes: ['files.read'] },
        {
          client_id: 'svc-admin',
          secret_sha256: Buffer.from(hex256(ADMIN_SVC_SECRET), 'hex').toString('base64url'),
          allow_admin_targets: true,
        },
      ]),
      AUTH_BEARER_RESOURCE_CLIENTS: JSON.stringify([{ client_id: 'rs1', secret_sha256: hex256(RS_SECRET) }]),
    });
    app.users.add({ id: 'alice', email: 'alice@example.test', roles: ['user'] });
    app.users.add({ id: 'root', email: 'root@example.test', roles: ['admin'] });
    app.users.add({ id: 'gone', status: 'suspended' });
  });
  afterAll(async () => {
    await app?.stop();
    await b?.stop();
  });

  describe('Impersonate', () => {
    it('mints a short-lived token for the target with act.sub = the service account, and audits it', async () => {
      const res = await app.grpc.Impersonate({
        client_id: 'svc-search',
        client_secret: SVC_SECRET,
        email: 'alice@example.test',
        scopes: ['files.read'],
      });
      expect(Number(res.expires_at_ms) - app.clock.now()).toBeLessThanOrEqual(5 * 60_000);
      const claims = JSON.parse((await app.grpc.VerifyToken({ token: res.access_token })).claims_json) as Record<string, unknown>;
      expect(claims).toMatchObject({ sub: 'alice', act: { sub: 'svc-search' }, client_id: 'svc-search', scope: 'files.read' });
      expect(claims.sid).toBeUndefined();
      const ev = await eventually(() =>
        app.events.find(
          (e) => e.subject === SUBJECTS.audit && e.payload.action === 'impersonation.allowed' && e.payload.subject === 'alice',
        ),
      );
      expect(ev.payload.actor).toBe('svc-search');
      expect(JSON.stringify(app.events)).not.toContain(SVC_SECRET);
    });

    it('refuses an admin target unless the account allows it (FORBIDDEN), and audits the refusal', async () => {
      expect(await codeOf(app.grpc.Impersonate({ client_id: 'svc-search', client_secret: SVC_SECRET, user_id: 'root', scopes: [] }))).toBe(
        'FORBIDDEN',
      );
      await eventually(() =>
        app.events.find(
          (e) => e.subject === SUBJECTS.audit && e.payload.action === 'impersonation.refused' && e.payload.subject === 'root',
        ),
      );
      const ok = await app.grpc.Impersonate({ client_id: 'svc-admin', client_secret: ADMIN_SVC_SECRET, user_id: 'root', scopes: [] });
      expect(JSON.parse((await app.grpc.VerifyToken({ token: ok.access_token })).claims_json)).toMatchObject({
        sub: 'root',
        act: { sub: 'svc-admin' },
      });
    });

    it('refuses bad credentials (wrong secret, unknown account, empty secret) with INVALID_CREDENTIALS', async () => {
      expect(await codeOf(app.grpc.Impersonate({ client_id: 'svc-search', client_secret: 'wrong', user_id: 'alice', scopes: [] }))).toBe(
        'INVALID_CREDENTIALS',
      );
      expect(await codeOf(app.grpc.Impersonate({ client_id: 'nobody', client_secret: SVC_SECRET, user_id: 'alice', scopes: [] }))).toBe(
        'INVALID_CREDENTIALS',
      );
      expect(await codeOf(app.grpc.Impersonate({ client_id: 'svc-search', client_secret: '', user_id: 'alice', scopes: [] }))).toBe(
        'INVALID_CREDENTIALS',
      );
      await eventually(() =>
        app.events.find(
          (e) => e.subject === SUBJECTS.audit && e.payload.action === 'impersonation.refused' && e.payload.actor === 'nobody',
        ),
      );
    });

    it('refuses scopes beyond the account, unknown and suspended targets', async () => {
      expect(
        await codeOf(
          app.grpc.Impersonate({ client_id: 'svc-search', client_secret: SVC_SECRET, user_id: 'alice', scopes: ['files.write'] }),
        ),
      ).toBe('INSUFFICIENT_SCOPE');
      expect(
        await codeOf(app.grpc.Impersonate({ client_id: 'svc-search', client_secret: SVC_SECRET, user_id: 'nobody', scopes: [] })),
      ).toBe('NOT_FOUND');
      expect(await codeOf(app.grpc.Impersonate({ client_id: 'svc-search', client_secret: SVC_SECRET, user_id: 'gone', scopes: [] }))).toBe(
        'FORBIDDEN',
      );
    });
  });

  describe('RFC 7662 introspection and RFC 7009 revocation', () => {
    const open = async () => app.grpc.OpenSession({ principal: principal('alice'), client_id: 'web', amr: ['pwd'], scopes: ['openid'] });

    it('requires client authentication (Basic or client_secret_post) and refuses wrong secrets', async () => {
      const set = await open();
      for (const headers of [
        {} as Record<string, string>,
        { authorization: basic('rs1', 'nope') },
        { authorization: basic('nobody', RS_SECRET) },
        { authorization: 'Bearer x' },
      ]) {
        const res = await postForm(`${app.http}/oauth/introspect`, { token: set.access_token }, headers);
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ error: 'invalid_client' });
      }
      const both = await postForm(
        `${app.http}/oauth/introspect`,
        { token: set.access_token, client_id: 'rs1', client_secret: RS_SECRET },
        { authorization: basic('rs1', RS_SECRET) },
      );
      expect(both.status).toBe(400);
      const post = await postForm(`${app.http}/oauth/introspect`, { token: set.access_token, client_id: 'rs1', client_secret: RS_SECRET });
      expect(post.status).toBe(200);
      expect(post.body!.active).toBe(true);
    });

    it('introspects access and refresh tokens, and answers {active:false} for anything invalid', async () => {
      const set = await open();
      const auth = { authorization: basic('rs1', RS_SECRET) };
      const at = await postForm(`${app.http}/oauth/introspect`, { token: set.access_token }, auth);
      expect(at.headers.get('cache-control')).toBe('no-store');
      expect(at.body).toMatchObject({
        active: true,
        token_type: 'Bearer',
        sub: 'alice',
        client_id: 'web',
        scope: 'openid',
        sid: set.session_id,
        iss: 'https://auth.example.test',
      });
      const rt = await postForm(`${app.http}/oauth/introspect`, { token: set.refresh_token, token_type_hint: 'refresh_token' }, auth);
      expect(rt.body).toMatchObject({ active: true, token_type: 'refresh_token', sub: 'alice', sid: set.session_id });
      for (const token of ['garbage', 'a'.repeat(43), `${set.access_token.slice(0, -4)}AAAA`, 'x'.repeat(10_000)]) {
        const r = await postForm(`${app.http}/oauth/introspect`, { token }, auth);
        expect(r.status).toBe(200);
        expect(r.body).toEqual({ active: false });
      }
      expect((await postForm(`${app.http}/oauth/introspect`, {}, auth)).status).toBe(400);
      expect((await postJson(`${app.http}/oauth/introspect`, { token: set.access_token }, auth)).status).toBe(400);
    });

    it('revokes a refresh token (ending its session), a session-bound access token, and ignores unknown tokens', async () => {
      const auth = { authorization: basic('rs1', RS_SECRET) };
      const a = await open();
      expect((await postForm(`${app.http}/oauth/revoke`, { token: a.refresh_token, token_type_hint: 'refresh_token' }, auth)).status).toBe(
        200,
      );
      expect(await codeOf(app.grpc.RefreshSession({ refresh_token: a.refresh_token }))).toBe('INVALID_TOKEN');
      expect((await postForm(`${app.http}/oauth/introspect`, { token: a.access_token }, auth)).body).toEqual({ active: false });
      await eventually(() => app.events.find((e) => e.subject === SUBJECTS.revokedSession && e.payload.sid === a.session_id));

      const c = await open();
      expect((await postForm(`${app.http}/oauth/revoke`, { token: c.access_token }, auth)).status).toBe(200);
      expect(await codeOf(app.grpc.GetSession({ session_id: c.session_id }))).toBe('INVALID_TOKEN');

      expect((await postForm(`${app.http}/oauth/revoke`, { token: randomUUID() }, auth)).status).toBe(200);
      expect((await postForm(`${app.http}/oauth/revoke`, { token: 'x' }, { authorization: basic('rs1', 'bad') })).status).toBe(401);
    });
  });

  it('answers SERVICE_UNAVAILABLE with Retry-After when Redis is down, and issues no token', async () => {
    const own = await startBackends();
    const r = await startAuthBearer(own);
    try {
      r.users.add({ id: 'bob' });
      const set = await r.grpc.OpenSession({ principal: principal('bob'), client_id: 'web', amr: ['pwd'] });
      await own.redis.kill();
      expect(await codeOf(r.grpc.OpenSession({ principal: principal('bob'), client_id: 'web', amr: ['pwd'] }))).toBe('SERVICE_UNAVAILABLE');
      expect(await codeOf(r.grpc.RefreshSession({ refresh_token: set.refresh_token }))).toBe('SERVICE_UNAVAILABLE');
      // REST refresh in every mode: 503 with Retry-After, never cached, no token in the answer.
      const asked = [
        postJson(`${r.http}/auth/refresh`, { refresh_token: set.refresh_token }),
        postJson(
          `${r.http}/auth/refresh`,
          { mode: 'cookie' },
          { 'sec-fetch-site': 'same-origin', cookie: `gatehouse_refresh_token=${set.refresh_token}` },
        ),
        postJson(
          `${r.http}/auth/refresh`,
          { mode: 'session' },
          { 'sec-fetch-site': 'same-origin', cookie: `gatehouse_session_token=${set.refresh_token}` },
        ),
      ];
      for (const res of await Promise.all(asked)) {
        expect({
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          cacheControl: res.headers.get('cache-control'),
          code: res.body!.errors[0].extensions.code,
        }).toEqual({ status: 503, retryAfter: '1', cacheControl: 'no-store', code: 'SERVICE_UNAVAILABLE' });
        expect(res.headers.getSetCookie()).toEqual([]);
        expect(JSON.stringify(res.body)).not.toMatch(/access_token|refresh_token/);
      }
      const ready = await fetch(`http://127.0.0.1:${r.ports.debug}/readyz`);
      expect(ready.status).toBe(503);
    } finally {
      await r.stop();
      await own.stop();
    }
  });
});
