import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, createTokenClient, loadProtos } from '@gatehouse/shared';
import { startNats, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import * as grpc from '@grpc/grpc-js';
import { parseCommand, startAllInOne, type RunningRuntime } from '../src/index.js';
import { json, onFreePorts, waitFor } from './helpers.js';

// The whole path with the production backends: real Redis and NATS, every service (auth-app
// included) in one process talking gRPC on loopback, driven only through the proxy.
describe('vertical slice through the proxy (real Redis + NATS)', () => {
  let redis: SpawnedServer;
  let nats: SpawnedServer;
  let rt: RunningRuntime;
  let addrs: Record<string, string>;
  let base: string;
  const adminPassword = 'admin password for tests 1';
  const bobPassword = 'bob has a long password 2';

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const login = async (email: string, password: string) => {
    const res = await post('/auth/login', { email, password });
    const body = await json(res);
    if (res.status !== 200) throw new Error(`login ${res.status}: ${JSON.stringify(body)}`);
    return body.data as { access_token: string; refresh_token: string; expires: number };
  };
  const whoami = (headers: Record<string, string>) => fetch(`${base}/whoami`, { headers });
  const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

  beforeAll(async () => {
    [redis, nats] = await Promise.all([startRedis(), startNats()]);
    // One data directory for every attempt: a retry after a port clash keeps the secret generated
    // there, so it can unseal the signing key the first attempt already stored in Redis.
    const dataDir = mkdtempSync(join(tmpdir(), 'gh-'));
    ({ addrs, value: rt } = await onFreePorts((addrs) =>
      startAllInOne(
        {
          ...addrs,
          REDIS_URL: redis.url,
          NATS_URL: nats.url,
          GATEHOUSE_ADD_RUN_SERVICES: 'auth-app',
          AUTH_APP_ENABLE_IMPERSONATION: 'true',
          PROXY_ENABLE_APP_AUTH: 'true',
          PROXY_ENABLE_BASIC_AUTH: 'true',
          GATEHOUSE_ADMIN_PASSWORD: adminPassword,
          LOGIN_STALL_TIME: '20ms',
          BCRYPT_COST: '8',
          LOG_LEVEL: 'silent',
        },
        { logger: createLogger({ service: 'test', level: 'silent' }), print: () => undefined, dataDir },
      ),
    ));
    base = `http://${addrs.PROXY_HTTP_ADDR}`;
    await waitFor(async () => (await fetch(`http://${addrs.PROXY_DEBUG_ADDR}/readyz`)).status === 200);
  }, 60_000);

  afterAll(async () => {
    await rt?.stop();
    await Promise.all([redis?.stop(), nats?.stop()]);
  });

  it('logs in the bootstrap admin and reaches /whoami with a signed identity', async () => {
    const t = await login('admin@example.com', adminPassword);
    const res = await whoami({ authorization: `Bearer ${t.access_token}` });
    const body = await json(res);
    expect(res.status).toBe(200);
    expect(body.data.identity).toMatchObject({ email: 'admin@example.com', auth_method: 'bearer' });
    expect(body.data.identity.amr).toContain('pwd');
  });

  it('ignores identity headers a client tries to spoof', async () => {
    const t = await login('admin@example.com', adminPassword);
    const res = await whoami({ authorization: `Bearer ${t.access_token}`, 'x-user-email': 'mallory@evil.example', 'x-user-id': 'root' });
    const body = await json(res);
    expect(body.data.headers['x-user-email']).toBe('admin@example.com');
  });

  describe('the gatehouse command against the running services', () => {
    const run = async (...argv: string[]) => {
      const lines: string[] = [];
      const cmd = parseCommand(
        argv,
        {
          ...addrs,
          AUTH_BEARER_GRPC_ENDPOINT: addrs.AUTH_BEARER_GRPC_ADDR,
          AUTH_BASIC_GRPC_ENDPOINT: addrs.AUTH_BASIC_GRPC_ADDR,
          AUTH_APP_GRPC_ENDPOINT: addrs.AUTH_APP_GRPC_ADDR,
        },
        (l) => lines.push(l),
      );
      if (cmd.kind !== 'once') throw new Error('expected a one-shot command');
      await cmd.run();
      return lines.join('\n');
    };

    it('creates, lists, re-passwords and disables a user; the new password logs in, the old does not', async () => {
      await run('users', 'create', '--email=carol@example.com', '--password=carol first password', '--name=Carol', '--role=editor');
      expect(await run('users', 'list')).toMatch(/carol@example\.com\tactive\teditor/);
      const before = await login('carol@example.com', 'carol first password');
      await run('users', 'set-password', '--email=carol@example.com', '--password=carol second password');
      await expect(login('carol@example.com', 'carol first password')).rejects.toThrow(/401/);
      const after = await login('carol@example.com', 'carol second password');
      // The login right after the change (often within the same second as the revocation) works at once.
      expect((await whoami({ authorization: `Bearer ${after.access_token}` })).status).toBe(200);
      // The password change revoked the sessions opened before it.
      await waitFor(async () => (await whoami({ authorization: `Bearer ${before.access_token}` })).status === 401, 5000, 50);
      await run('users', 'disable', '--email=carol@example.com');
      await expect(login('carol@example.com', 'carol second password')).rejects.toThrow(/401/);
    });

    it('creates, lists and deletes app tokens (oCIS `auth-app create --user-name --expiration`)', async () => {
      await run('users', 'create', '--email=dave@example.com', '--password=dave has a password');
      const created = JSON.parse(await run('auth-app', 'create', '--user-name=dave@example.com', '--expiration=1h')) as {
        token: string;
        id: string;
        label: string;
      };
      expect(created.label).toBe('Generated via CLI');
      expect((await whoami(basic('dave@example.com', created.token))).status).toBe(200);
      expect(await run('auth-app', 'list', '--user-name=dave@example.com')).toContain(created.id);
      await run('auth-app', 'delete', '--user-name=dave@example.com', `--token=${created.id}`);
      await waitFor(async () => (await whoami(basic('dave@example.com', created.token))).status === 401, 5000, 50);
    });

    it('lists and revokes sessions (`gatehouse sessions list|revoke|revoke-all`)', async () => {
      await run('users', 'create', '--email=erin@example.com', '--password=erin has a password');
      const a = await login('erin@example.com', 'erin has a password');
      const b = await login('erin@example.com', 'erin has a password');
      const sidOf = (jwt: string) => (JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;
      const listed = await run('sessions', 'list', '--email=erin@example.com');
      expect(listed).toContain(sidOf(a.access_token));
      expect(listed).toContain(sidOf(b.access_token));
      expect(await run('sessions', 'revoke', `--session-id=${sidOf(a.access_token)}`)).toBe('revoked');
      await waitFor(async () => (await whoami({ authorization: `Bearer ${a.access_token}` })).status === 401, 5000, 50);
      expect((await whoami({ authorization: `Bearer ${b.access_token}` })).status).toBe(200);
      expect(await run('sessions', 'revoke-all', '--email=erin@example.com')).toMatch(/^revoked \d+ session/);
      await waitFor(async () => (await whoami({ authorization: `Bearer ${b.access_token}` })).status === 401, 5000, 50);
    });

    it('rotates the signing key (`gatehouse keys rotate`)', async () => {
      const out = JSON.parse(await run('keys', 'rotate')) as { active_kid: string; published_kids: string[] };
      expect(out.published_kids).toContain(out.active_kid);
      expect(out.published_kids.length).toBeGreaterThan(1);
    });
  });

  describe('a user created by the admin', () => {
    let admin: string;
    let bobId: string;

    beforeAll(async () => {
      admin = (await login('admin@example.com', adminPassword)).access_token;
      const res = await post(
        '/users',
        { email: 'bob@example.com', password: bobPassword, name: 'Bob' },
        { authorization: `Bearer ${admin}` },
      );
      const body = await json(res);
      expect([200, 201]).toContain(res.status);
      bobId = body.data?.id ?? body.id;
      expect(typeof bobId).toBe('string');
    });

    it('refreshes (rotating the token) and logs out through the proxy', async () => {
      const t = await login('bob@example.com', bobPassword);
      const r1 = await post('/auth/refresh', { refresh_token: t.refresh_token, mode: 'json' });
      const b1 = await json(r1);
      expect(r1.status).toBe(200);
      expect(b1.data.refresh_token).not.toBe(t.refresh_token);
      const out = await post('/auth/logout', { refresh_token: b1.data.refresh_token });
      expect(out.status).toBeLessThan(300);
      const r2 = await post('/auth/refresh', { refresh_token: b1.data.refresh_token, mode: 'json' });
      expect(r2.status).toBe(401);
    });

    it('refuses an access token of a logged-out session at the proxy within the revocation bound', async () => {
      const t = await login('bob@example.com', bobPassword);
      expect((await whoami({ authorization: `Bearer ${t.access_token}` })).status).toBe(200);
      await post('/auth/logout', { refresh_token: t.refresh_token });
      await waitFor(async () => (await whoami({ authorization: `Bearer ${t.access_token}` })).status === 401, 5000, 50);
    });

    it('authenticates HTTP Basic with the password when PROXY_ENABLE_BASIC_AUTH is on', async () => {
      const res = await whoami(basic('bob@example.com', bobPassword));
      expect(res.status).toBe(200);
      expect((await json(res)).data.identity.auth_method).toBe('basic');
      expect((await whoami(basic('bob@example.com', 'wrong password!!'))).status).toBe(401);
    });

    it('creates an app token (seed 004 flow), uses it over Basic, lists it, and deletes it', async () => {
      const bob = (await login('bob@example.com', bobPassword)).access_token;
      const created = await fetch(`${base}/auth-app/tokens?expiry=72h`, {
        method: 'POST',
        headers: { accept: 'application/json', authorization: `Bearer ${bob}` },
      });
      const tok = await json(created);
      expect(created.status).toBe(201);
      expect(tok.token).toMatch(/^ghapp_/);
      const used = await whoami(basic('bob@example.com', tok.token));
      expect(used.status).toBe(200);
      expect((await json(used)).data.identity.amr).toContain('app');
      const list = await json(await fetch(`${base}/auth-app/tokens`, { headers: { authorization: `Bearer ${bob}` } }));
      expect(JSON.stringify(list)).not.toContain(tok.token);
      // An app token can never manage app tokens.
      const sneaky = await fetch(`${base}/auth-app/tokens?expiry=1h`, { method: 'POST', headers: basic('bob@example.com', tok.token) });
      expect(sneaky.status).toBe(403);
      const del = await fetch(`${base}/auth-app/tokens?token=${encodeURIComponent(tok.id)}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${bob}` },
      });
      expect(del.status).toBe(204);
      await waitFor(async () => (await whoami(basic('bob@example.com', tok.token))).status === 401, 5000, 50);
    });

    it('lets an admin create an app token for another user only through the impersonation parameters', async () => {
      const created = await fetch(`${base}/auth-app/tokens?expiry=1h&userName=bob@example.com`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}` },
      });
      const tok = await json(created);
      expect(created.status).toBe(201);
      expect(tok.label).toBe('Generated via Impersonation API');
      const used = await json(await whoami(basic('bob@example.com', tok.token)));
      expect(used.data.identity.email).toBe('bob@example.com');
      // owncloud/ocis#11063: a miscased parameter is refused, never a token for the caller.
      const miscased = await fetch(`${base}/auth-app/tokens?expiry=1h&username=bob@example.com`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}` },
      });
      expect(miscased.status).toBe(400);
      expect((await json(miscased)).errors[0].extensions.code).toBe('INVALID_PAYLOAD');
      // A non-admin cannot impersonate.
      const bob = (await login('bob@example.com', bobPassword)).access_token;
      const refused = await fetch(`${base}/auth-app/tokens?expiry=1h&userName=admin@example.com`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bob}` },
      });
      expect(refused.status).toBe(403);
    });

    it('authenticates a session-mode login by its httpOnly cookie at the proxy, until logout', async () => {
      const res = await post('/auth/login', { email: 'bob@example.com', password: bobPassword, mode: 'session' });
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body.data.access_token).toBeUndefined();
      expect(body.data.refresh_token).toBeUndefined();
      const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('gatehouse_session_token='));
      expect(setCookie).toMatch(/HttpOnly/i);
      const cookie = setCookie!.split(';')[0]!;
      const who = await whoami({ cookie });
      expect(who.status).toBe(200);
      expect((await json(who)).data.identity).toMatchObject({ email: 'bob@example.com', auth_method: 'session' });
      const out = await fetch(`${base}/auth/logout`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', origin: new URL(base).origin },
        body: JSON.stringify({ mode: 'session' }),
      });
      expect(out.status).toBeLessThan(300);
      await waitFor(async () => (await whoami({ cookie })).status === 401, 10_000, 100);
    });

    it('shows a user their sessions through the proxy and signs them out everywhere', async () => {
      const a = await login('bob@example.com', bobPassword);
      const b = await login('bob@example.com', bobPassword);
      const auth = { authorization: `Bearer ${b.access_token}` };
      const list = await fetch(`${base}/auth/sessions`, { headers: auth });
      expect(list.status).toBe(200);
      const sessions = (await json(list)).data as Array<{ id: string; current: boolean }>;
      expect(sessions.filter((x) => x.current)).toHaveLength(1);
      expect(JSON.stringify(sessions)).not.toContain(b.refresh_token);
      expect((await fetch(`${base}/auth/sessions`, { method: 'DELETE', headers: auth })).status).toBe(204);
      for (const t of [a, b])
        await waitFor(async () => (await whoami({ authorization: `Bearer ${t.access_token}` })).status === 401, 5000, 50);
      expect((await post('/auth/refresh', { refresh_token: a.refresh_token })).status).toBe(401);
    });

    it('keeps old tokens valid across a key rotation', async () => {
      const t = await login('bob@example.com', bobPassword);
      const tokens = createTokenClient(addrs.AUTH_BEARER_GRPC_ADDR!);
      await tokens.RotateKeys({});
      tokens.close();
      expect((await whoami({ authorization: `Bearer ${t.access_token}` })).status).toBe(200);
      const fresh = await login('bob@example.com', bobPassword);
      expect((await whoami({ authorization: `Bearer ${fresh.access_token}` })).status).toBe(200);
    });

    it('serves LoginService through the proxy gRPC entry, and the id_token works as a Bearer', async () => {
      const protos = loadProtos();
      const client = new protos.login.v1.LoginService(addrs.PROXY_GRPC_ADDR!, grpc.credentials.createInsecure());
      const res = await new Promise<any>((resolve, reject) =>
        client.Login(
          { email: 'bob@example.com', password: bobPassword },
          { deadline: Date.now() + 10_000 },
          (err: grpc.ServiceError | null, r: unknown) => (err ? reject(err) : resolve(r)),
        ),
      );
      expect(res.claims.email).toBe('bob@example.com');
      expect((await whoami({ authorization: `Bearer ${res.id_token}` })).status).toBe(200);
      // Logout is not public: without credentials the proxy refuses it, with them it revokes the session.
      const call = (md: grpc.Metadata) =>
        new Promise<void>((resolve, reject) =>
          client.Logout({}, md, { deadline: Date.now() + 10_000 }, (err: grpc.ServiceError | null) => (err ? reject(err) : resolve())),
        );
      await expect(call(new grpc.Metadata())).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
      const md = new grpc.Metadata();
      md.set('authorization', `Bearer ${res.id_token}`);
      await call(md);
      await waitFor(async () => (await whoami({ authorization: `Bearer ${res.id_token}` })).status === 401, 5000, 50);
      // An unknown service is UNIMPLEMENTED at the entry.
      const unknown = new grpc.Client(addrs.PROXY_GRPC_ADDR!, grpc.credentials.createInsecure());
      await expect(
        new Promise((resolve, reject) =>
          unknown.makeUnaryRequest(
            '/no.such.Service/Call',
            (x: Buffer) => x,
            (x: Buffer) => x,
            Buffer.alloc(0),
            { deadline: Date.now() + 5000 },
            (err, r) => (err ? reject(err) : resolve(r)),
          ),
        ),
      ).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
      unknown.close();
      client.close();
    });

    it('refuses every credential of a deleted user', async () => {
      const t = await login('bob@example.com', bobPassword);
      const bob = t.access_token;
      const created = await json(
        await fetch(`${base}/auth-app/tokens?expiry=1h`, { method: 'POST', headers: { authorization: `Bearer ${bob}` } }),
      );
      expect((await whoami(basic('bob@example.com', created.token))).status).toBe(200);
      const del = await fetch(`${base}/users/${bobId}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
      expect(del.status).toBeLessThan(300);
      await waitFor(async () => (await whoami({ authorization: `Bearer ${bob}` })).status === 401, 5000, 50);
      await waitFor(async () => (await whoami(basic('bob@example.com', created.token))).status === 401, 5000, 50);
      expect((await post('/auth/refresh', { refresh_token: t.refresh_token })).status).toBe(401);
    });
  });
});
