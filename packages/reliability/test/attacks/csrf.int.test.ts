import type { RunningRuntime } from '@gatehouse/cli';
import { call } from '../../src/client.js';
import { rawExchange } from '../../src/raw-http.js';
import { startRuntime } from '../../src/runtime.js';

// Issue 10 item 5: cookie-authenticated state changes and WebSocket upgrades need an Origin equal to
// PUBLIC_URL's or listed in GATEHOUSE_ALLOWED_ORIGINS (403 CSRF_REJECTED otherwise); json mode never
// reads cookies. The whole runtime in one process: the real proxy in front of the real services.
const PARTNER = 'https://partner.example';
const EVIL = 'https://evil.example';

describe('attack: cross-site requests riding the session cookie (issue 10 item 5)', () => {
  let rt: RunningRuntime;
  let base: string;
  let port: number;
  let origin: string;
  const user = { email: 'csrf@example.com', password: 'csrf password 0123' };

  beforeAll(async () => {
    ({ rt, base, port } = await startRuntime({
      GATEHOUSE_ADD_RUN_SERVICES: 'auth-app',
      GATEHOUSE_ADMIN_EMAIL: user.email,
      GATEHOUSE_ADMIN_PASSWORD: user.password,
      GATEHOUSE_ALLOWED_ORIGINS: PARTNER,
    }));
    origin = new URL(base).origin;
  }, 90_000);

  afterAll(async () => {
    await rt?.stop();
  });

  /** A fresh session-mode login: the `name=value` of its session cookie. */
  const sessionCookie = async (): Promise<string> => {
    const res = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ ...user, mode: 'session' }),
    });
    expect(res.status).toBe(200);
    return /gatehouse_session_token=[^;]+/.exec(res.headers.get('set-cookie') ?? '')![0];
  };

  /** An empty form POST as a browser sends it from a page (fetch sends Content-Length: 0). */
  const formPost = (path: string, cookie: string, headers: Record<string, string>) =>
    call(`${base}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers } });

  it.each([
    ['another origin', { origin: EVIL }],
    ['Origin: null (a sandboxed iframe)', { origin: 'null' }],
    ['Sec-Fetch-Site: cross-site and no Origin', { 'sec-fetch-site': 'cross-site' }],
    ['neither Origin nor Sec-Fetch-Site', {}],
  ])('refuses an empty form POST /auth-app/tokens with the session cookie from %s: 403 CSRF_REJECTED, no token made', async (_n, h) => {
    const cookie = await sessionCookie();
    const a = await formPost('/auth-app/tokens?expiry=1h', cookie, h);
    expect([a.status, a.code]).toEqual([403, 'CSRF_REJECTED']);
    const list = await call(`${base}/auth-app/tokens`, { headers: { cookie } });
    expect(list.status).toBe(200);
    expect(list.body).toEqual([]);
  });

  it.each([
    ['POST /auth/refresh (session mode)', '/auth/refresh', { mode: 'session' }],
    ['POST /auth/logout', '/auth/logout', {}],
    ['POST /users/me/tfa/generate', '/users/me/tfa/generate', { password: 'csrf password 0123' }],
    ['POST /graphql/system auth_refresh', '/graphql/system', { query: 'mutation { auth_refresh(mode: "session") { expires } }' }],
  ])('refuses %s with the session cookie from another origin: 403 CSRF_REJECTED, the session alive', async (_n, path, json) => {
    const cookie = await sessionCookie();
    const a = await call(`${base}${path}`, { json, headers: { cookie, origin: EVIL } });
    expect([a.status, a.code]).toEqual([403, 'CSRF_REJECTED']);
    expect((await call(`${base}/whoami`, { headers: { cookie } })).status).toBe(200);
  });

  it('refuses DELETE /auth/sessions/<id> with the session cookie from another origin: 403 CSRF_REJECTED', async () => {
    const cookie = await sessionCookie();
    const sessions = await call(`${base}/auth/sessions`, { headers: { cookie } });
    expect(sessions.status).toBe(200);
    const id = (sessions.body.data as Array<{ id: string }>)[0]!.id;
    const a = await call(`${base}/auth/sessions/${id}`, { method: 'DELETE', headers: { cookie, origin: EVIL } });
    expect([a.status, a.code]).toEqual([403, 'CSRF_REJECTED']);
    expect((await call(`${base}/whoami`, { headers: { cookie } })).status).toBe(200);
  });

  it('accepts the same request from PUBLIC_URL’s page, from a GATEHOUSE_ALLOWED_ORIGINS page, and same-origin without Origin', async () => {
    const cookie = await sessionCookie();
    const pages: Array<Record<string, string>> = [{ origin }, { origin: PARTNER }, { 'sec-fetch-site': 'same-origin' }];
    for (const h of pages) {
      const a = await formPost('/auth-app/tokens?expiry=1h', cookie, h);
      expect([JSON.stringify(h), a.status]).toEqual([JSON.stringify(h), 201]);
    }
    // Without a cookie there is nothing to forge: a Bearer client sends neither header.
    const login = await call(`${base}/auth/login`, { json: user });
    const bearer = await call(`${base}/auth-app/tokens?expiry=1h`, {
      method: 'POST',
      headers: { authorization: `Bearer ${login.body.data.access_token as string}` },
    });
    expect(bearer.status).toBe(201);
  });

  it('refuses a WebSocket upgrade with the session cookie from another origin: 403 CSRF_REJECTED before the upstream', async () => {
    const cookie = await sessionCookie();
    const upgrade = (o: string) =>
      rawExchange(port, [
        `GET /whoami/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: ${o}\r\nCookie: ${cookie}\r\n\r\n`,
      ]);
    const evil = await upgrade(EVIL);
    expect([evil.status, evil.code]).toEqual([403, 'CSRF_REJECTED']);
    const own = await upgrade(origin);
    expect(own.status).not.toBe(403);
    expect(own.code).not.toBe('CSRF_REJECTED');
  });

  it('never reads the cookie for a json-mode refresh: 400 INVALID_PAYLOAD, no refresh token in any body', async () => {
    const cookie = await sessionCookie();
    const token = decodeURIComponent(cookie.split('=')[1]!);
    const rest = await call(`${base}/auth/refresh`, { json: {}, headers: { cookie, origin } });
    expect([rest.status, rest.code]).toEqual([400, 'INVALID_PAYLOAD']);
    expect(JSON.stringify(rest.body)).not.toContain(token);
    const gql = await call(`${base}/graphql/system`, {
      json: { query: 'mutation { auth_refresh { access_token refresh_token } }' },
      headers: { cookie, origin },
    });
    expect(gql.body.errors[0].extensions.code).toBe('INVALID_PAYLOAD');
    expect(JSON.stringify(gql.body)).not.toContain(token);
    // A bodiless logout from the page still ends the cookie's session.
    expect((await call(`${base}/auth/logout`, { method: 'POST', headers: { cookie, origin } })).status).toBe(204);
    const until = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < until && (status = (await call(`${base}/whoami`, { headers: { cookie } })).status) !== 401)
      await new Promise((r) => setTimeout(r, 100));
    expect(status).toBe(401);
  });
});
