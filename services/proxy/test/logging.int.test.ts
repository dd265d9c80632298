import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import WebSocket from 'ws';
import { createLogger } from '@gatehouse/shared';
import { DEFAULT_ROUTES_FILE, loadRoutesFile } from '../src/index.js';
import { mintToken, rawRequest, startJwks, startProxy, startUpstream, statusOf, type ProxyUnderTest, type Upstream } from './harness.js';

type Jwks = Awaited<ReturnType<typeof startJwks>>;

describe('proxy access and decision logs never hold a query string', () => {
  let jwks: Jwks;
  let upstream: Upstream;
  let proxy: ProxyUnderTest;
  const lines: string[] = [];
  // A credential as seed 004 passes it: DELETE /auth-app/tokens?token=<app token>.
  const planted = `ghapp_${randomBytes(8).toString('hex')}_${randomBytes(16).toString('hex')}`;

  beforeAll(async () => {
    jwks = await startJwks();
    upstream = await startUpstream();
    // The shipped routes file, every owner played by the echo upstream.
    const routes = loadRoutesFile(DEFAULT_ROUTES_FILE, {
      'auth-bearer': upstream.url,
      'auth-basic': upstream.url,
      'auth-app': upstream.url,
      'auth-apikey': upstream.url,
      whoami: upstream.url,
    });
    const logger = createLogger({
      service: 'proxy',
      level: 'info',
      destination: new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }),
    });
    proxy = await startProxy({ jwksUrl: jwks.url, upstream: upstream.url, routes, logger });
  });
  afterAll(async () => {
    await proxy.stop();
    await upstream.close();
    await jwks.close();
  });

  it('logs method, path, route and status of every answered request, without the token planted in its query', async () => {
    const bearer = { authorization: `Bearer ${await mintToken(jwks.key, { sub: 'log-user' })}` };
    const q = `?token=${planted}&x=1`;
    const cases: Array<{ method: string; path: string; headers?: Record<string, string>; status: number }> = [
      { method: 'DELETE', path: `/auth-app/tokens${q}`, headers: bearer, status: 200 },
      { method: 'DELETE', path: `/auth-app/tokens${q}`, status: 401 },
      { method: 'POST', path: `/auth/login${q}`, status: 200 },
      { method: 'POST', path: `/auth/logout${q}`, headers: bearer, status: 200 },
      { method: 'GET', path: `/graphql/system${q}`, status: 200 },
      { method: 'GET', path: `/.well-known/jwks.json${q}`, status: 200 },
      { method: 'POST', path: `/.well-known/jwks.json${q}`, status: 405 },
      { method: 'GET', path: `/whoami${q}`, headers: bearer, status: 200 },
      { method: 'GET', path: `/nowhere${q}`, status: 404 },
      { method: 'GET', path: `/whoami?access_token=${planted}`, headers: bearer, status: 400 },
      { method: 'GET', path: `/whoami/..%2fadmin${q}`, headers: bearer, status: 400 },
    ];
    for (const c of cases) {
      const res = await fetch(`${proxy.url}${c.path}`, { method: c.method, headers: c.headers ?? {}, redirect: 'manual' });
      await res.arrayBuffer();
      expect(`${c.method} ${c.path.split('?')[0]!} ${res.status}`).toBe(`${c.method} ${c.path.split('?')[0]!} ${c.status}`);
    }
    // A browser navigation is redirected to login (the query goes into the answer, never the log).
    const redirect = await rawRequest(proxy.http, `GET /users${q} HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\nConnection: close\r\n\r\n`);
    expect(statusOf(redirect)).toBe(302);
    expect(redirect).toContain(encodeURIComponent(`/users${q}`));
    // A fragment is no safer than a query.
    expect(statusOf(await rawRequest(proxy.http, `GET /whoami#token=${planted} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`))).toBe(
      400,
    );
    // A WebSocket upgrade with the token in its query.
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.http}/whoami/ws${q}`, { headers: bearer });
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => resolve());
      ws.on('error', reject);
    });
    ws.close();

    // Log lines are written asynchronously after the answer: wait until every request has one.
    const expected = cases.length + 3;
    const started = Date.now();
    while (lines.filter((l) => l.includes('"msg":"request"')).length < expected && Date.now() - started < 3000)
      await new Promise((r) => setTimeout(r, 20));

    const all = lines.join('');
    expect(all).not.toContain(planted);
    expect(all).not.toContain(encodeURIComponent(planted));
    const access = lines.filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(access).toHaveLength(expected);
    expect(access).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          method: 'DELETE',
          path: '/auth-app/tokens',
          route: 'auth-app:/auth-app',
          status: 200,
          auth_method: 'bearer',
        }),
        expect.objectContaining({ method: 'DELETE', path: '/auth-app/tokens', status: 401 }),
        expect.objectContaining({ method: 'GET', path: '/users', status: 302 }),
        expect.objectContaining({ method: 'GET', path: '/whoami', status: 400 }),
        expect.objectContaining({ method: 'GET', path: '/whoami/ws', status: 101 }),
      ]),
    );
    for (const a of access) expect(String(a.path)).not.toMatch(/[?#]/);
    // The decision log is there too (who, route, outcome), equally without the query.
    expect(lines.filter((l) => l.includes('access decision')).length).toBeGreaterThan(0);
  });
});
