import { request as httpRequest } from 'node:http';
import type { Express } from 'express';
import { GatehouseError } from '../errors.js';
import { createLogger } from '../logger.js';
import { clearAuthCookies, cookieSettingsFrom, sendAuthResult, type AuthMode, type CookieSettings } from './cookies.js';
import { errorMiddleware, notFoundHandler } from './errors-middleware.js';
import { createHttpApp, listenHttp, type HttpListener } from './http-app.js';

const logger = createLogger({ service: 'http-test', level: 'silent' });

async function serve(build: (app: Express) => void, jsonLimit?: string): Promise<HttpListener & { url: string }> {
  const app = createHttpApp({ logger, ...(jsonLimit ? { jsonLimit } : {}) });
  build(app);
  app.use(notFoundHandler());
  app.use(errorMiddleware(logger));
  const l = await listenHttp(app, '127.0.0.1:0');
  return Object.assign(l, { url: `http://127.0.0.1:${l.port}` });
}

/** A raw request, for paths fetch would normalise or reject. */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('errorMiddleware', () => {
  let srv: HttpListener & { url: string };
  beforeAll(async () => {
    srv = await serve((app) => {
      app.post('/echo', (req, res) => {
        res.json({ got: req.body as unknown });
      });
      app.get('/users/:id', (req, res) => {
        res.json({ id: req.params.id });
      });
      app.get('/limited', () => {
        throw new GatehouseError('REQUESTS_EXCEEDED', { retryAfter: 30, detail: 'ip 1.2.3.4' });
      });
      app.get('/crash', () => {
        throw new Error('secret connection string redis://:hunter2@db');
      });
      app.get('/async-crash', async () => {
        await Promise.resolve();
        throw new GatehouseError('FORBIDDEN');
      });
    }, '1kb');
  });
  afterAll(async () => srv.close());

  const post = (body: string, type = 'application/json') =>
    fetch(`${srv.url}/echo`, { method: 'POST', headers: { 'content-type': type }, body });

  it('parses a valid JSON body', async () => {
    const r = await post('{"a":1}');
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ got: { a: 1 } });
  });

  it('turns malformed JSON into 400 INVALID_PAYLOAD, not 500', async () => {
    const r = await post('{"a":');
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ errors: [{ message: 'Request body is not valid JSON.', extensions: { code: 'INVALID_PAYLOAD' } }] });
  });

  it('turns an oversized body into 413 PAYLOAD_TOO_LARGE, not 500', async () => {
    const r = await post(JSON.stringify({ a: 'x'.repeat(4096) }));
    expect(r.status).toBe(413);
    expect(((await r.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('turns an unsupported charset into 400 INVALID_PAYLOAD', async () => {
    const r = await post('{"a":1}', 'application/json; charset=klingon');
    expect(r.status).toBe(400);
    expect(((await r.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('INVALID_PAYLOAD');
  });

  it('turns a malformed percent-encoding in a path parameter into 400, not 500', async () => {
    const r = await rawGet(srv.port, '/users/%E0%A4%A');
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toMatchObject({ errors: [{ extensions: { code: 'INVALID_REQUEST' } }] });
  });

  it('writes a GatehouseError with its status, the Retry-After header and no private detail', async () => {
    const r = await fetch(`${srv.url}/limited`);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('30');
    const text = await r.text();
    expect(text).not.toContain('1.2.3.4');
    expect(JSON.parse(text)).toEqual({ errors: [{ message: 'Too many requests.', extensions: { code: 'REQUESTS_EXCEEDED' } }] });
  });

  it('collapses an unknown error into 500 INTERNAL with the generic message', async () => {
    const r = await fetch(`${srv.url}/crash`);
    expect(r.status).toBe(500);
    const text = await r.text();
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text)).toEqual({ errors: [{ message: 'An unexpected error occurred.', extensions: { code: 'INTERNAL' } }] });
  });

  it('catches errors from async handlers (Express 5)', async () => {
    const r = await fetch(`${srv.url}/async-crash`);
    expect(r.status).toBe(403);
  });

  it('answers unknown routes with ROUTE_NOT_FOUND JSON and sets a request id', async () => {
    const r = await fetch(`${srv.url}/nope`, { headers: { 'x-request-id': 'abc-123' } });
    expect(r.status).toBe(404);
    expect(r.headers.get('x-request-id')).toBe('abc-123');
    expect(r.headers.get('x-powered-by')).toBeNull();
    expect(await r.json()).toMatchObject({ errors: [{ extensions: { code: 'ROUTE_NOT_FOUND' } }] });
  });

  it('replaces an unsafe incoming request id (log injection)', async () => {
    const r = await fetch(`${srv.url}/nope`, { headers: { 'x-request-id': 'a"b<script>' } });
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('sendAuthResult', () => {
  const settings: CookieSettings = {
    refreshCookieName: 'gh_refresh',
    sessionCookieName: 'gh_session',
    secure: true,
    sameSite: 'strict',
    domain: 'example.com',
  };
  const now = Date.now();
  const tokens = {
    access_token: 'AT',
    access_token_expires_at_ms: now + 900_000,
    refresh_token: 'RT',
    refresh_token_expires_at_ms: now + 7 * 86_400_000,
  };
  let srv: HttpListener & { url: string };
  beforeAll(async () => {
    srv = await serve((app) => {
      app.post('/login/:mode', (req, res) => sendAuthResult(res, req.params.mode as AuthMode, tokens, settings, now));
      app.post('/logout', (_req, res) => {
        clearAuthCookies(res, settings);
        res.status(204).end();
      });
    });
  });
  afterAll(async () => srv.close());

  const login = async (mode: string) => {
    const r = await fetch(`${srv.url}/login/${mode}`, { method: 'POST' });
    return { r, body: (await r.json()) as { data: Record<string, unknown> }, cookies: r.headers.getSetCookie() };
  };

  it('json mode returns both tokens in the body and sets no cookie', async () => {
    const { r, body, cookies } = await login('json');
    expect(body).toEqual({ data: { access_token: 'AT', expires: 900_000, refresh_token: 'RT' } });
    expect(cookies).toEqual([]);
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('cookie mode puts the refresh token only in an httpOnly, Secure, SameSite cookie', async () => {
    const { r, body, cookies } = await login('cookie');
    expect(body).toEqual({ data: { access_token: 'AT', expires: 900_000 } });
    expect(cookies).toHaveLength(1);
    const c = cookies[0]!;
    expect(c).toMatch(/^gh_refresh=RT;/);
    expect(c).toContain('HttpOnly');
    expect(c).toContain('Secure');
    expect(c).toContain('SameSite=Strict');
    expect(c).toContain('Path=/');
    expect(c).toContain('Domain=example.com');
    expect(c).toContain(`Max-Age=${7 * 86_400}`);
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('session mode returns no token in the body, only the session cookie', async () => {
    const { body, cookies } = await login('session');
    expect(body).toEqual({ data: { expires: 900_000 } });
    expect(JSON.stringify(body)).not.toMatch(/AT|RT/);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^gh_session=RT;.*HttpOnly/);
  });

  it('logout clears both cookies with the same attributes', async () => {
    const r = await fetch(`${srv.url}/logout`, { method: 'POST' });
    const cookies = r.headers.getSetCookie();
    expect(cookies.map((c) => c.split('=')[0]).sort()).toEqual(['gh_refresh', 'gh_session']);
    for (const c of cookies) {
      expect(c).toMatch(/Expires=Thu, 01 Jan 1970/);
      expect(c).toContain('Domain=example.com');
      expect(c).toContain('HttpOnly');
    }
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('cookieSettingsFrom makes cookies Secure by default behind https only', () => {
    const base = { REFRESH_TOKEN_COOKIE_NAME: 'r', SESSION_COOKIE_NAME: 's', COOKIE_SAME_SITE: 'lax' as const };
    expect(cookieSettingsFrom({ ...base, PUBLIC_URL: 'https://auth.example.com' }).secure).toBe(true);
    expect(cookieSettingsFrom({ ...base, PUBLIC_URL: 'http://127.0.0.1:9200' }).secure).toBe(false);
    expect(cookieSettingsFrom({ ...base, PUBLIC_URL: 'https://auth.example.com', COOKIE_SECURE: 'false' }).secure).toBe(false);
  });
});

describe('listenHttp', () => {
  it('close() lets an in-flight request finish, then stops accepting', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const srv = await serve((app) => {
      app.get('/slow', async (_req, res) => {
        await gate;
        res.json({ done: true });
      });
    });
    const inflight = fetch(`${srv.url}/slow`).then(async (r) => ({ status: r.status, body: await r.json() }));
    await new Promise((r) => setTimeout(r, 50));
    const closing = srv.close(5000);
    setTimeout(release, 100);
    const started = Date.now();
    expect(await inflight).toEqual({ status: 200, body: { done: true } });
    await closing;
    // Drained once the response went out, not at the end of the grace period.
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(fetch(`${srv.url}/slow`)).rejects.toThrow();
  });

  it('close() cuts a request that outlives the grace period', async () => {
    const srv = await serve((app) => {
      app.get('/hang', () => undefined);
    });
    const inflight = fetch(`${srv.url}/hang`).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await srv.close(200);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await inflight).toBe('cut');
  });

  it('refuses oversized headers (431) instead of buffering them', async () => {
    const srv = await serve(() => undefined);
    const r = await rawGetWithHeader(srv.port, 'x-big', 'a'.repeat(20_000));
    expect(r).toBe(431);
    await srv.close();
  });
});

function rawGetWithHeader(port: number, name: string, value: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', headers: { [name]: value } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}
