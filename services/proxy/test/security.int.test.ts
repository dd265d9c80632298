import { request } from 'node:http';
import { mintToken, rawRequest, startJwks, startProxy, startUpstream, statusOf, type ProxyUnderTest, type Upstream } from './harness.js';

type Jwks = Awaited<ReturnType<typeof startJwks>>;

describe('proxy HTTP entry: spoofing, smuggling, limits, path normalization', () => {
  let jwks: Jwks;
  let upstream: Upstream;
  let proxy: ProxyUnderTest;
  let trusting: ProxyUnderTest;
  let token: string;
  let admin: string;

  beforeAll(async () => {
    jwks = await startJwks();
    upstream = await startUpstream();
    proxy = await startProxy({
      jwksUrl: jwks.url,
      upstream: upstream.url,
      env: { PROXY_MAX_HEADER_BYTES: '4096', PROXY_MAX_BODY_BYTES: '1000', PROXY_HEADERS_TIMEOUT: '500ms', PROXY_REQUEST_TIMEOUT: '1s' },
    });
    trusting = await startProxy({ jwksUrl: jwks.url, upstream: upstream.url, env: { PROXY_TRUSTED_PROXIES: '127.0.0.0/8' } });
    token = await mintToken(jwks.key, { sub: 'user-1', roles: ['user'] });
    admin = await mintToken(jwks.key, { sub: 'root', roles: ['admin'] });
  });
  afterAll(async () => {
    await proxy.stop();
    await trusting.stop();
    await upstream.close();
    await jwks.close();
  });

  /** node's http.request keeps the path byte for byte (fetch would normalize it first). */
  const send = (
    port: number,
    path: string,
    headers: Record<string, string | string[]> = {},
    method = 'GET',
  ): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const r = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      r.on('error', reject);
      r.end();
    });

  describe('identity header spoofing', () => {
    it.each([
      ['X-Gatehouse-Identity', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJyb290In0.'],
      ['x-user-id', 'root'],
      ['X-User-Roles', 'admin'],
      ['X_User_Id', 'root'],
      ['x_gatehouse_identity', 'forged'],
      ['X-Remote-User', 'root'],
      ['Remote-User', 'root'],
      ['X-Forwarded-User', 'root'],
      ['X-Forwarded-Email', 'root@example.com'],
      ['X-Auth-Request-User', 'root'],
      ['X-WEBAUTH-USER', 'root'],
    ])('strips a client-sent %s (authenticated request)', async (name, value) => {
      const res = await send(proxy.http, '/api/echo', { authorization: `Bearer ${token}`, [name]: value });
      expect(res.status).toBe(200);
      const seen = JSON.parse(res.body) as { rawHeaders: string[]; headers: Record<string, string> };
      const values = seen.rawHeaders.filter((_, i) => i % 2 === 1);
      expect(values).not.toContain(value);
      expect(seen.headers['x-user-id']).toBe('user-1');
      expect(seen.headers['x-user-roles']).toBe('user');
    });

    it('strips duplicated identity headers on a public route (no credential)', async () => {
      const raw = await rawRequest(
        proxy.http,
        'GET /public/x HTTP/1.1\r\nHost: a\r\nX-User-Id: root\r\nx-user-id: root2\r\nX-Gatehouse-Identity: a\r\nX-Gatehouse-Identity: b\r\nConnection: close\r\n\r\n',
      );
      expect(statusOf(raw)).toBe(200);
      const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
      expect(body).not.toMatch(/root|x-gatehouse-identity|x-user-id/i);
    });

    it('drops the client Authorization unless the route passes it on', async () => {
      const a = JSON.parse((await send(proxy.http, '/api/echo', { authorization: `Bearer ${token}` })).body) as {
        headers: Record<string, string>;
      };
      expect(a.headers.authorization).toBeUndefined();
      const b = JSON.parse((await send(proxy.http, '/passthrough/echo', { authorization: `Bearer ${token}` })).body) as {
        headers: Record<string, string>;
      };
      expect(b.headers.authorization).toBe(`Bearer ${token}`);
    });

    it('removes hop-by-hop headers and those named in Connection', async () => {
      const res = await send(proxy.http, '/api/echo', {
        authorization: `Bearer ${token}`,
        connection: 'keep-alive, X-Secret-Hop',
        'x-secret-hop': 'v',
        'proxy-authorization': 'Basic eA==',
        te: 'trailers',
        'x-keep': 'yes',
      });
      const seen = JSON.parse(res.body) as { headers: Record<string, string> };
      expect(seen.headers['x-secret-hop']).toBeUndefined();
      expect(seen.headers['proxy-authorization']).toBeUndefined();
      expect(seen.headers.te).toBeUndefined();
      expect(seen.headers['x-keep']).toBe('yes');
    });

    it('ignores X-HTTP-Method-Override, X-Original-URL and X-Rewrite-URL', async () => {
      const res = await send(proxy.http, '/public/echo', {
        'x-http-method-override': 'DELETE',
        'x-original-url': '/admin/x',
        'x-rewrite-url': '/admin/x',
      });
      const seen = JSON.parse(res.body) as { method: string; url: string; headers: Record<string, string> };
      expect(seen.method).toBe('GET');
      expect(seen.url).toBe('/public/echo');
      expect(seen.headers['x-original-url']).toBeUndefined();
      expect(seen.headers['x-http-method-override']).toBeUndefined();
      expect(seen.headers['x-rewrite-url']).toBeUndefined();
    });

    it('builds X-Forwarded-* from the socket and ignores client values from untrusted peers', async () => {
      const seen = JSON.parse(
        (
          await send(proxy.http, '/public/echo', {
            'x-forwarded-for': '6.6.6.6',
            'x-forwarded-proto': 'https',
            'x-forwarded-host': 'evil.test',
            forwarded: 'for=6.6.6.6',
            'x-real-ip': '6.6.6.6',
          })
        ).body,
      ) as { headers: Record<string, string> };
      expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(seen.headers['x-forwarded-proto']).toBe('http');
      expect(seen.headers['x-forwarded-host']).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(seen.headers.forwarded).toBeUndefined();
      expect(seen.headers['x-real-ip']).toBeUndefined();
    });

    it('keeps X-Forwarded-* from a trusted proxy and appends the peer', async () => {
      const seen = JSON.parse(
        (
          await send(trusting.http, '/public/echo', {
            'x-forwarded-for': '203.0.113.9',
            'x-forwarded-proto': 'https',
            'x-forwarded-host': 'app.example.com',
          })
        ).body,
      ) as { headers: Record<string, string> };
      expect(seen.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
      expect(seen.headers['x-forwarded-proto']).toBe('https');
      expect(seen.headers['x-forwarded-host']).toBe('app.example.com');
    });
  });

  describe('path normalization bypass attempts', () => {
    it.each(['/public/../admin/x', '/public/./../admin/x', '//admin/x', '/public//../admin/x'])(
      'applies the admin rule to %s after normalizing',
      async (path) => {
        const res = await send(proxy.http, path, { authorization: `Bearer ${token}` });
        expect(res.status).toBe(403);
        const ok = await send(proxy.http, path, { authorization: `Bearer ${admin}` });
        expect(ok.status).toBe(200);
        expect((JSON.parse(ok.body) as { url: string }).url).toBe('/admin/x');
      },
    );

    it.each([
      '/public/%2e%2e/admin/x',
      '/public/%2E%2E/admin/x',
      '/public/.%2e/admin/x',
      '/public%2f..%2fadmin/x',
      '/public/..%2fadmin/x',
      '/public/..%5cadmin/x',
      '/public/..;/admin/x',
      '/admin;/x',
      '/public/%252e%252e/admin/x',
      '/../admin/x',
      '/public/x%00',
    ])('refuses the ambiguous path %s with 400', async (path) => {
      upstream.last = undefined;
      const res = await send(proxy.http, path, { authorization: `Bearer ${token}` });
      expect(res.status).toBe(400);
      expect(res.body).toContain('INVALID_REQUEST');
      expect(upstream.last).toBeUndefined();
    });

    it('refuses a raw backslash and an absolute-form target', async () => {
      expect(statusOf(await rawRequest(proxy.http, 'GET /public\\..\\admin/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'))).toBe(400);
      expect(statusOf(await rawRequest(proxy.http, 'GET http://evil.test/admin/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'))).toBe(
        400,
      );
    });
  });

  describe('request smuggling and limits (raw sockets)', () => {
    it.each([
      [
        'Content-Length with Transfer-Encoding',
        'POST /public/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin/x HTTP/1.1\r\nHost: a\r\n\r\n',
      ],
      ['two different Content-Lengths', 'POST /public/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd'],
      ['an unknown transfer coding', 'POST /public/echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nabcd'],
      ['chunked not last', 'POST /public/echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n'],
      ['an obfuscated Transfer-Encoding', 'POST /public/echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n'],
      [
        'Transfer-Encoding with a space before the colon',
        'POST /public/echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n',
      ],
      [
        'a bare LF line ending in chunk framing',
        'POST /public/echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\n0\n\n',
      ],
      ['a negative Content-Length', 'POST /public/echo HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n'],
      ['no Host header', 'GET /public/echo HTTP/1.1\r\n\r\n'],
      ['two Host headers', 'GET /public/echo HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
    ])('rejects %s with 400 and forwards nothing', async (_name, raw) => {
      upstream.last = undefined;
      const answer = await rawRequest(proxy.http, raw);
      expect(statusOf(answer)).toBe(400);
      expect(answer).not.toContain('"x-upstream"');
      expect(upstream.last).toBeUndefined();
    });

    it('rejects two Authorization headers', async () => {
      const answer = await rawRequest(
        proxy.http,
        `GET /api/echo HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${token}\r\nAuthorization: Bearer x\r\nConnection: close\r\n\r\n`,
      );
      expect(statusOf(answer)).toBe(400);
    });

    it('answers 431 to oversized headers', async () => {
      const answer = await rawRequest(proxy.http, `GET /public/echo HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`);
      expect(statusOf(answer)).toBe(431);
      expect(answer).toContain('HEADERS_TOO_LARGE');
    });

    it('answers 413 to a declared body over the limit without reading it', async () => {
      const answer = await rawRequest(
        proxy.http,
        `POST /public/upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n${'a'.repeat(100)}`,
      );
      expect(statusOf(answer)).toBe(413);
      expect(answer).toContain('PAYLOAD_TOO_LARGE');
    });

    it('answers 413 to a chunked body that grows over the limit', async () => {
      const chunk = 'a'.repeat(600);
      const answer = await rawRequest(
        proxy.http,
        `POST /public/upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n${chunk}\r\n258\r\n${chunk}\r\n0\r\n\r\n`,
      );
      expect(statusOf(answer)).toBe(413);
    });

    it('closes a connection whose headers never finish (slowloris) within the header timeout', async () => {
      const started = Date.now();
      const answer = await rawRequest(proxy.http, 'GET /public/echo HTTP/1.1\r\nHost: a\r\nX-Slow: 1\r\n', 4000);
      expect(Date.now() - started).toBeLessThan(3000);
      expect([0, 408]).toContain(statusOf(answer));
    });
  });
});
