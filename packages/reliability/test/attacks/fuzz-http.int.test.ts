import fc from 'fast-check';
import type { RunningRuntime } from '@gatehouse/cli';
import { fuzzParameters, hostileString } from '@gatehouse/shared/testing';
import { login } from '../../src/client.js';
import { rawExchange } from '../../src/raw-http.js';
import { startRecordingUpstream, type RecordingUpstream } from '../../src/recording-upstream.js';
import { startRuntime } from '../../src/runtime.js';

// Hostile request targets, Authorization and Cookie values and bodies, sent byte for byte to the
// real proxy in front of the real services. Allowed answers: 2xx/3xx from a route, or a typed 4xx
// with its stable code. Never a 5xx, never a connection left hanging, never an unauthenticated
// forward to a protected upstream.
describe('fuzz: hostile requests through the live proxy', () => {
  let rt: RunningRuntime;
  let upstream: RecordingUpstream;
  let port: number;
  let token: string;

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    let base: string;
    ({ rt, base, port } = await startRuntime({
      WHOAMI_HTTP_ENDPOINT: upstream.url,
      GATEHOUSE_ADD_RUN_SERVICES: 'auth-app',
      PROXY_ENABLE_BASIC_AUTH: 'true',
      PROXY_ENABLE_APP_AUTH: 'true',
      GATEHOUSE_ADMIN_EMAIL: 'fuzz@example.com',
      GATEHOUSE_ADMIN_PASSWORD: 'fuzz password 123',
    }));
    upstream.trust(`${base}/.well-known/gatehouse/jwks.json`);
    token = (await login(base, 'fuzz@example.com', 'fuzz password 123')).access_token;
  }, 90_000);

  afterAll(async () => {
    await rt?.stop();
    await upstream?.close();
  });

  /** Header-safe: no CR or LF (those make another request, tested by the battery), latin1 only. */
  // eslint-disable-next-line no-control-regex -- the point: keep control bytes out of header lines
  const headerValue = hostileString(120).map((s) => s.replace(/[\r\n]/g, '').replace(/[^\x00-\xff]/g, '?'));
  const path = fc
    .oneof(
      fc.constantFrom(
        '/whoami',
        '/whoami/x',
        '/auth/login',
        '/auth/refresh',
        '/auth/logout',
        '/users',
        '/auth-app/tokens',
        '/oidc/auth',
        '/admin/login',
        '/.well-known/jwks.json',
        '/graphql/system',
        '/auth/sessions',
      ),
      // eslint-disable-next-line no-control-regex -- a request target has no spaces or control bytes
      hostileString(60).map((s) => `/${s.replace(/[\s\x00-\x1f\x7f]/g, '')}`),
    )
    .chain((p) => fc.constantFrom(p, `/whoami/../${p.slice(1)}`, `${p}?access_token=x`, `${p}?redirect=//evil.example`));
  const auth = fc.oneof(
    fc.constant(undefined),
    headerValue,
    headerValue.map((v) => `Bearer ${v}`),
    headerValue.map((v) => `Basic ${Buffer.from(v, 'latin1').toString('base64')}`),
    fc.constantFrom('Bearer TOKEN', 'Bearer TOKENx', 'Basic ghapp_x'),
  );

  it('answers every request with a route answer or a typed 4xx, never a 5xx or a hang', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH'),
        path,
        auth,
        fc.option(headerValue, { nil: undefined }),
        fc.option(fc.oneof(hostileString(200), fc.json()), { nil: undefined }),
        async (method, target, authorization, cookie, body) => {
          const lines = [`${method} ${target} HTTP/1.1`, 'Host: fuzz', 'Connection: close'];
          if (authorization !== undefined) lines.push(`Authorization: ${authorization.replace('TOKEN', token)}`);
          if (cookie !== undefined) lines.push(`Cookie: gatehouse_session_token=${cookie}`);
          const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
          if (body !== undefined) lines.push('Content-Type: application/json', `Content-Length: ${bytes.length}`);
          const before = upstream.unauthenticated;
          const a = await rawExchange(port, [Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), bytes])], {
            waitMs: 8000,
          });
          expect(a.closedAfterMs).toBeDefined(); // answered and closed, not left hanging
          expect(a.status).toBeGreaterThanOrEqual(200);
          expect(a.status).toBeLessThan(500);
          if (a.status >= 400 && method !== 'HEAD' && a.raw.includes('application/json')) expect(a.code ?? a.raw).toMatch(/^[a-z_A-Z]+$/);
          expect(upstream.unauthenticated).toBe(before);
        },
      ),
      fuzzParameters(300, 10_000),
    );
  }, 240_000);
});
