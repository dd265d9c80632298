import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Metadata } from '@grpc/grpc-js';
import { loadConfig } from '../src/config.js';
import { postJson, principal, startAuthBearer, startBackends, type Backends, type HttpResult, type Running } from './harness.js';

const PUBLIC_URL = 'https://auth.example.test';

/** The proxy's default routes file (services/proxy/routes.yaml), read as text: its `{ prefix|path, upstream, methods }` lines. */
const PROXY_ROUTES = fileURLToPath(new URL('../../../proxy/routes.yaml', import.meta.url));
interface ProxyRoute {
  match: 'prefix' | 'path';
  path: string;
  upstream: string;
  methods: string[] | null;
}
function proxyRoutes(): ProxyRoute[] {
  const routes: ProxyRoute[] = [];
  for (const line of readFileSync(PROXY_ROUTES, 'utf8').split('\n')) {
    const m = /^\s*-\s*\{\s*(prefix|path):\s*([^,\s]+),\s*upstream:\s*([^,\s}]+)(.*)\}\s*$/.exec(line);
    if (!m) continue;
    const methods = /methods:\s*\[([^\]]*)\]/.exec(m[4]!);
    routes.push({
      match: m[1] as 'prefix' | 'path',
      path: m[2]!,
      upstream: m[3]!,
      methods: methods ? methods[1]!.split(',').map((s) => s.trim()) : null,
    });
  }
  return routes;
}
/** The route the proxy picks for a request: the most specific match (exact, else the longest prefix at a segment boundary). */
function proxyRouteFor(routes: ProxyRoute[], method: string, path: string): ProxyRoute | undefined {
  const hits = routes.filter(
    (r) =>
      (r.methods === null || r.methods.includes(method)) &&
      (r.match === 'path' ? r.path === path : path === r.path || path.startsWith(`${r.path}/`)),
  );
  return hits.sort((a, b) => (a.match === 'path' ? 1 : 0) - (b.match === 'path' ? 1 : 0) || a.path.length - b.path.length).at(-1);
}

describe('auth-bearer HTTP contract: discovery, caching, client address (real Redis + NATS)', () => {
  let b: Backends;
  let app: Running;
  /** An instance that trusts only 10.0.0.0/8 as proxies: the loopback test client is not one. */
  let strict: Running;

  beforeAll(async () => {
    b = await startBackends();
    [app, strict] = await Promise.all([
      startAuthBearer(b, { PUBLIC_URL }),
      startAuthBearer(b, { PUBLIC_URL, AUTH_BEARER_TRUST_PROXY: '10.0.0.0/8' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([app?.stop(), strict?.stop()]);
    await b?.stop();
  });

  const open = async (r: Running = app) => {
    const user = `u-${randomUUID()}`;
    r.users.add({ id: user });
    return {
      user,
      set: await r.grpc.OpenSession({ principal: principal(user), client_id: 'web', amr: ['pwd'], ip: '192.0.2.1', user_agent: 'login' }),
    };
  };

  describe('/.well-known/openid-configuration', () => {
    const METHOD: Record<string, string> = { jwks_uri: 'GET', revocation_endpoint: 'POST', introspection_endpoint: 'POST' };

    it('names the issuer PUBLIC_URL and only endpoints under it that this service serves', async () => {
      const doc = (await (await fetch(`${app.http}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      expect(doc.issuer).toBe(PUBLIC_URL);
      // Every URL-valued member is one this test checks: adding one without a route here fails.
      const urls = Object.keys(doc).filter((k) => k.endsWith('_uri') || k.endsWith('_endpoint'));
      expect(urls.sort()).toEqual(Object.keys(METHOD).sort());
      // Endpoints that do not exist are not advertised.
      for (const absent of [
        'authorization_endpoint',
        'token_endpoint',
        'userinfo_endpoint',
        'end_session_endpoint',
        'registration_endpoint',
        'id_token_signing_alg_values_supported',
      ]) {
        expect(doc).not.toHaveProperty(absent);
      }
      for (const key of urls) {
        const url = new URL(doc[key] as string);
        expect(`${url.origin}`).toBe(PUBLIC_URL);
        // Served here: the path answers something other than ROUTE_NOT_FOUND (401/400 for the OAuth endpoints without a client).
        const res = await fetch(`${app.http}${url.pathname}`, {
          method: METHOD[key],
          ...(METHOD[key] === 'POST' ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' } : {}),
        });
        expect({ key, status: res.status }).toEqual({ key, status: key === 'jwks_uri' ? 200 : 401 });
      }
    });

    it('lists only endpoints the proxy routes to auth-bearer (so they are reachable under PUBLIC_URL)', async () => {
      const routes = proxyRoutes();
      expect(routes.length).toBeGreaterThan(3);
      const doc = (await (await fetch(`${app.http}/.well-known/openid-configuration`)).json()) as Record<string, string>;
      const paths = ['/.well-known/openid-configuration', ...Object.keys(METHOD).map((k) => new URL(doc[k]!).pathname)];
      const methods = ['GET', ...Object.values(METHOD)];
      paths.forEach((path, i) => {
        expect({ path, upstream: proxyRouteFor(routes, methods[i]!, path)?.upstream }).toEqual({ path, upstream: 'auth-bearer' });
      });
    });
  });

  describe('Cache-Control: no-store on /auth/refresh and /auth/logout, whatever the outcome', () => {
    const noStore = (r: HttpResult) =>
      expect({ status: r.status, cacheControl: r.headers.get('cache-control') }).toEqual({ status: r.status, cacheControl: 'no-store' });

    it('on successful refreshes in json, cookie and session mode', async () => {
      const a = await open();
      const json = await postJson(`${app.http}/auth/refresh`, { mode: 'json', refresh_token: a.set.refresh_token });
      expect(json.status).toBe(200);
      noStore(json);
      const cookie = await postJson(
        `${app.http}/auth/refresh`,
        { mode: 'cookie' },
        { 'sec-fetch-site': 'same-origin', cookie: `gatehouse_refresh_token=${json.body!.data.refresh_token as string}` },
      );
      expect(cookie.status).toBe(200);
      noStore(cookie);
      const refreshCookie = cookie.headers.getSetCookie().find((c) => c.startsWith('gatehouse_refresh_token='))!;
      const session = await postJson(
        `${app.http}/auth/refresh`,
        { mode: 'session' },
        { 'sec-fetch-site': 'same-origin', cookie: `gatehouse_session_token=${refreshCookie.split(';')[0]!.split('=')[1]!}` },
      );
      expect(session.status).toBe(200);
      noStore(session);
    });

    it('on errors: no token, an unknown token, a bad mode, malformed JSON, and on logout', async () => {
      for (const mode of ['json', 'cookie', 'session']) {
        const none = await postJson(`${app.http}/auth/refresh`, { mode });
        expect(none.status).toBe(400);
        noStore(none);
        const unknown = await postJson(
          `${app.http}/auth/refresh`,
          { mode },
          {
            'sec-fetch-site': 'same-origin',
            cookie: `gatehouse_refresh_token=${'a'.repeat(43)}; gatehouse_session_token=${'a'.repeat(43)}`,
          },
        );
        // json mode never reads the cookies: nothing presented (400); the other modes: unknown (401).
        expect(unknown.status).toBe(mode === 'json' ? 400 : 401);
        noStore(unknown);
      }
      noStore(await postJson(`${app.http}/auth/refresh`, { mode: 'telepathy', refresh_token: 'a'.repeat(43) }));
      const malformed = await fetch(`${app.http}/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"refresh_token":',
      });
      expect(malformed.status).toBe(400);
      expect(malformed.headers.get('cache-control')).toBe('no-store');
      const a = await open();
      const out = await postJson(`${app.http}/auth/logout`, { refresh_token: a.set.refresh_token });
      expect(out.status).toBe(204);
      noStore(out);
      noStore(await postJson(`${app.http}/auth/logout`, {}));
    });
  });

  describe('the session ip on /auth/refresh (AUTH_BEARER_TRUST_PROXY)', () => {
    const ipAfterRefresh = async (r: Running, headers: Record<string, string>) => {
      const { user, set } = await open(r);
      const res = await postJson(`${r.http}/auth/refresh`, { refresh_token: set.refresh_token }, headers);
      expect(res.status).toBe(200);
      const [s] = (await r.grpc.ListSessions({ user_id: user })).sessions;
      return s!.ip;
    };

    it('believes X-Forwarded-For from a trusted proxy (default: loopback), taking the address the proxy saw', async () => {
      expect(await ipAfterRefresh(app, { 'x-forwarded-for': '203.0.113.7' })).toBe('203.0.113.7');
    });

    it('ignores addresses a client prepended to X-Forwarded-For (spoofing through the proxy)', async () => {
      expect(await ipAfterRefresh(app, { 'x-forwarded-for': '198.51.100.66, 203.0.113.7' })).toBe('203.0.113.7');
    });

    it('ignores X-Forwarded-For from a peer that is not a trusted proxy: the ip is the socket peer', async () => {
      expect(await ipAfterRefresh(strict, { 'x-forwarded-for': '203.0.113.7' })).toBe('127.0.0.1');
    });

    it('keeps the socket peer without X-Forwarded-For', async () => {
      expect(await ipAfterRefresh(app, {})).toBe('127.0.0.1');
    });
  });

  describe('the session ip of a gRPC OpenSession that names none (the shared gRPC client-address rule)', () => {
    const ipOfOpened = async (r: Running, forwardedFor?: string) => {
      const user = `u-${randomUUID()}`;
      r.users.add({ id: user });
      const metadata = new Metadata();
      if (forwardedFor) metadata.set('x-forwarded-for', forwardedFor);
      await r.grpc.OpenSession({ principal: principal(user), client_id: 'web', amr: ['pwd'], user_agent: 'grpc' }, { metadata });
      const [s] = (await r.grpc.ListSessions({ user_id: user })).sessions;
      return s!.ip;
    };

    it('takes x-forwarded-for from a trusted peer, the address the proxy appended', async () => {
      expect(await ipOfOpened(app, '198.51.100.66, 203.0.113.7')).toBe('203.0.113.7');
    });

    it('ignores x-forwarded-for from a peer that is not trusted: a caller cannot choose its recorded address', async () => {
      expect(await ipOfOpened(strict, '203.0.113.7')).toBe('127.0.0.1');
    });

    it('keeps the peer without x-forwarded-for', async () => {
      expect(await ipOfOpened(app)).toBe('127.0.0.1');
    });
  });
});

describe('AUTH_BEARER_TRUST_PROXY configuration', () => {
  const base = { GATEHOUSE_SECRET: 's'.repeat(40) };

  // The syntax is the shared trusted-peer list now (issue 9), so these read its entries.
  const entries = (v?: string) =>
    loadConfig(v === undefined ? base : { ...base, AUTH_BEARER_TRUST_PROXY: v }).AUTH_BEARER_TRUST_PROXY.entries;

  it('defaults to loopback (empty counts as unset), and false trusts nobody', () => {
    expect(entries()).toEqual(['loopback']);
    expect(entries('')).toEqual(['loopback']);
    expect(entries('false')).toEqual([]);
    expect(entries('loopback, 10.0.0.0/8, fd00::/8, 192.0.2.10')).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8', '192.0.2.10']);
  });

  it.each(['true', '*', '1', '10.0.0.0/33', 'proxy.internal', '10.0.0.1/8/8'])('refuses %s at load time', (v) => {
    expect(() => loadConfig({ ...base, AUTH_BEARER_TRUST_PROXY: v })).toThrow(/AUTH_BEARER_TRUST_PROXY/);
  });
});
