import { createServer as createHttpServer, request, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer, globalAgent } from 'node:https';
import { readFileSync } from 'node:fs';
import WebSocket, { WebSocketServer } from 'ws';
import { capturedLogger, createTestPki, type TestPki } from '@gatehouse/shared/testing';
import { close, listen, mintToken, startJwks, startProxy, wsText, type ProxyUnderTest } from './harness.js';
import { parseRoutes } from '../src/index.js';

type Jwks = Awaited<ReturnType<typeof startJwks>>;

/** Every cookie name Gatehouse owns with its default configuration (packages/shared/src/http/cookie-names.ts). */
const GATEHOUSE_COOKIES = [
  'gatehouse_session_token=stolen-session',
  'gatehouse_refresh_token=stolen-refresh',
  'gatehouse_sso_state=sealed-state',
  'gatehouse_oidc_session=oidc',
  'gatehouse_oidc_session.sig=oidc-sig',
  'gatehouse_oidc_interaction=i',
  'gatehouse_oidc_resume.sig=r',
];
const BROWSER_COOKIE = ['theme=dark', ...GATEHOUSE_COOKIES, 'cart=42'].join('; ');

/**
 * A malicious upstream: records the Cookie header it receives (plain requests and WebSocket
 * handshakes) and answers with Set-Cookie lines that try to plant Gatehouse's session cookie.
 */
function maliciousUpstream() {
  const seen: { cookie: string | undefined; identity: string | undefined; userId: string | undefined }[] = [];
  const record = (req: IncomingMessage) =>
    seen.push({
      cookie: req.headers.cookie,
      identity: req.headers['x-gatehouse-identity'] as string | undefined,
      userId: req.headers['x-user-id'] as string | undefined,
    });
  const planted = ['gatehouse_session_token=planted; Path=/; HttpOnly', 'theme=light; Path=/', 'gatehouse_sso_state=x; Path=/auth'];
  const handler: RequestListener = (req, res) => {
    record(req);
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': planted });
    res.end('{}');
  };
  const wss = new WebSocketServer({ noServer: true });
  wss.on('headers', (headers) => headers.push(...planted.map((c) => `Set-Cookie: ${c}`)));
  const withWs = (server: Server) => {
    server.on('upgrade', (req: IncomingMessage, socket, head) => {
      record(req);
      wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m) => ws.send(`echo:${wsText(m)}`)));
    });
    return server;
  };
  return { seen, handler, wss, withWs };
}

/** GET through the proxy: status and every Set-Cookie line. */
function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; setCookie: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'] ?? [], body }));
    });
    r.on('error', reject);
    r.end();
  });
}

/** Opens a WebSocket through the proxy: the 101's Set-Cookie lines and the first echo. */
function openWs(url: string, headers: Record<string, string>): Promise<{ setCookie: string[]; reply: string; ws: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    let setCookie: string[] = [];
    ws.on('upgrade', (res) => (setCookie = res.headers['set-cookie'] ?? []));
    ws.on('open', () => ws.send('hi'));
    ws.on('message', (m) => resolve({ setCookie, reply: wsText(m), ws }));
    ws.on('unexpected-response', (_req, res) => reject(new Error(`unexpected ${res.statusCode}`)));
    ws.on('error', reject);
  });
}

describe('a leaked or malicious upstream (issue 10 items 1, 10, 12)', () => {
  let jwks: Jwks;
  let up: ReturnType<typeof maliciousUpstream>;
  let upServer: Server;
  let pki: TestPki;
  let tlsUp: ReturnType<typeof maliciousUpstream>;
  let tlsServer: Server;
  let proxy: ProxyUnderTest;
  const captured = capturedLogger('proxy');
  let user: string;
  let admin: string;

  beforeAll(async () => {
    jwks = await startJwks();
    up = maliciousUpstream();
    upServer = up.withWs(createHttpServer(up.handler));
    const port = await listen(upServer);
    pki = createTestPki();
    tlsUp = maliciousUpstream();
    tlsServer = tlsUp.withWs(createHttpsServer({ cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) }, tlsUp.handler));
    const tlsPort = await listen(tlsServer);
    // The proxy trusts the test CA the way a deployment trusts its upstreams' CA (NODE_EXTRA_CA_CERTS).
    globalAgent.options.ca = readFileSync(pki.caCert);
    const u = `http://127.0.0.1:${port}`;
    const routes = parseRoutes(
      `
routes:
  - { prefix: /app, upstream: "${u}", websocket: true }
  - { prefix: /open, upstream: "${u}", public: true }
  - { prefix: /staff, upstream: "${u}", public: true, roles: [admin] }
  - { prefix: /scoped, upstream: "${u}", public: true, scopes: [reports:read] }
  - { prefix: /own, upstream: "${u}", public: true, passCookies: true, websocket: true }
  - { prefix: /secure-ws, upstream: "https://localhost:${tlsPort}", websocket: true }
`,
      {},
    );
    proxy = await startProxy({ jwksUrl: jwks.url, upstream: u, routes, logger: captured.logger });
    user = await mintToken(jwks.key, { sub: 'user-1', roles: ['user'] });
    admin = await mintToken(jwks.key, { sub: 'root', roles: ['admin'], scope: 'openid reports:read' });
  });
  afterAll(async () => {
    delete globalAgent.options.ca;
    await proxy.stop();
    for (const w of [up.wss, tlsUp.wss]) {
      for (const c of w.clients) c.terminate();
      w.close();
    }
    await close(upServer);
    await close(tlsServer);
    await jwks.close();
    pki.cleanup();
  });

  describe("item 1: Gatehouse's cookies never reach an application upstream", () => {
    it('session takeover via a leaked upstream: strips every Gatehouse cookie from Cookie, other cookies pass unchanged', async () => {
      const a = await get(proxy.http, '/app/x', { authorization: `Bearer ${user}`, cookie: BROWSER_COOKIE });
      expect(a.status).toBe(200);
      expect(up.seen.at(-1)!.cookie).toBe('theme=dark; cart=42');
      // Only Gatehouse's cookies: the header is gone, not sent empty.
      await get(proxy.http, '/open/x', { cookie: GATEHOUSE_COOKIES.join('; ') });
      expect(up.seen.at(-1)!.cookie).toBeUndefined();
    });

    it('cookie planting by an upstream: drops its Set-Cookie naming a Gatehouse cookie and logs it at warn, without the value', async () => {
      const before = captured.records().length;
      const a = await get(proxy.http, '/open/x', {});
      expect(a.status).toBe(200);
      expect(a.setCookie).toEqual(['theme=light; Path=/']);
      const warned = captured
        .records()
        .slice(before)
        .filter((r) => r.msg === 'dropped an upstream Set-Cookie naming a Gatehouse cookie');
      expect(warned.map((r) => [r.level, r.cookie_name, String(r.route).endsWith(':/open')])).toEqual([
        [40, 'gatehouse_session_token', true],
        [40, 'gatehouse_sso_state', true],
      ]);
      expect(captured.text()).not.toContain('planted');
    });

    it('session takeover over a WebSocket handshake: strips Gatehouse cookies from the upgrade and its 101 Set-Cookie', async () => {
      const { setCookie, reply, ws } = await openWs(`ws://127.0.0.1:${proxy.http}/app/ws`, {
        authorization: `Bearer ${user}`,
        cookie: BROWSER_COOKIE,
      });
      expect(reply).toBe('echo:hi');
      expect(up.seen.at(-1)!.cookie).toBe('theme=dark; cart=42');
      expect(setCookie).toEqual(['theme=light; Path=/']);
      ws.close();
    });

    it('passes Gatehouse cookies both ways on a route marked passCookies (Gatehouse’s own endpoints)', async () => {
      const a = await get(proxy.http, '/own/x', { cookie: BROWSER_COOKIE });
      expect(a.status).toBe(200);
      expect(up.seen.at(-1)!.cookie).toBe(BROWSER_COOKIE);
      expect(a.setCookie).toHaveLength(3);
    });
  });

  describe('item 12: a public route with roles or scopes', () => {
    it('role bypass on a public route: forwards no identity for a caller who lacks the role (200, anonymous)', async () => {
      const a = await get(proxy.http, '/staff/x', { authorization: `Bearer ${user}` });
      expect(a.status).toBe(200);
      expect(up.seen.at(-1)).toEqual({ cookie: undefined, identity: undefined, userId: undefined });
      const b = await get(proxy.http, '/staff/x', { authorization: `Bearer ${admin}` });
      expect(b.status).toBe(200);
      expect(up.seen.at(-1)!.userId).toBe('root');
      expect(up.seen.at(-1)!.identity).toMatch(/^ey/);
    });

    it('scope bypass on a public route: forwards no identity for a caller who lacks the scope (200, anonymous)', async () => {
      await get(proxy.http, '/scoped/x', { authorization: `Bearer ${user}` });
      expect(up.seen.at(-1)).toEqual({ cookie: undefined, identity: undefined, userId: undefined });
      await get(proxy.http, '/scoped/x', { authorization: `Bearer ${admin}` });
      expect(up.seen.at(-1)!.userId).toBe('root');
    });
  });

  describe('item 10: WebSocket to an https upstream', () => {
    it('plaintext downgrade of a WebSocket to an https upstream: connects with TLS and relays (101)', async () => {
      const { reply, setCookie, ws } = await openWs(`ws://127.0.0.1:${proxy.http}/secure-ws/ws`, {
        authorization: `Bearer ${user}`,
        cookie: BROWSER_COOKIE,
      });
      expect(reply).toBe('echo:hi');
      expect(tlsUp.seen.at(-1)!.userId).toBe('user-1');
      expect(tlsUp.seen.at(-1)!.cookie).toBe('theme=dark; cart=42');
      expect(setCookie).toEqual(['theme=light; Path=/']);
      ws.close();
    });
  });
});
