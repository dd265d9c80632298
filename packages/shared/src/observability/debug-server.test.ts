import express from 'express';
import { createLogger } from '../logger.js';
import { createHttpApp, listenHttp } from '../http/http-app.js';
import { Metrics } from './metrics.js';
import { startDebugServer, splitAddr, type DebugServer, type ReadinessCheck } from './debug-server.js';

const get = async (port: number, path: string) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type'), cache: res.headers.get('cache-control') };
};

describe('debug server', () => {
  const servers: DebugServer[] = [];
  const start = async (checks: ReadinessCheck[], metrics = new Metrics('test'), checkTimeoutMs = 200) => {
    const s = await startDebugServer({ addr: '127.0.0.1:0', metrics, checks, checkTimeoutMs });
    servers.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('/healthz answers 200 while the process is up, whatever the dependencies say', async () => {
    const s = await start([{ name: 'redis', check: () => Promise.reject(new Error('down')) }]);
    expect((await get(s.port, '/healthz')).status).toBe(200);
  });

  it('/readyz answers 200 when every check passes', async () => {
    const s = await start([
      { name: 'redis', check: () => Promise.resolve() },
      { name: 'nats', check: () => Promise.resolve() },
    ]);
    const r = await get(s.port, '/readyz');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ status: 'ready', checks: { redis: 'ok', nats: 'ok' } });
    expect(r.cache).toBe('no-store');
  });

  it('/readyz answers 503 naming the failing check', async () => {
    const s = await start([
      { name: 'redis', check: () => Promise.resolve() },
      { name: 'auth-bearer', check: () => Promise.reject(new Error('connection refused')) },
    ]);
    const r = await get(s.port, '/readyz');
    expect(r.status).toBe(503);
    const body = JSON.parse(r.text) as { checks: Record<string, string> };
    expect(body.checks.redis).toBe('ok');
    expect(body.checks['auth-bearer']).toMatch(/^fail: connection refused/);
  });

  it('/readyz bounds a hanging check by its timeout and names it', async () => {
    const s = await start([{ name: 'nats', check: () => new Promise<void>(() => undefined) }], new Metrics('test'), 150);
    const started = Date.now();
    const r = await get(s.port, '/readyz');
    expect(r.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(1000);
    expect((JSON.parse(r.text) as { checks: Record<string, string> }).checks.nats).toMatch(/timeout/);
  });

  it('/readyz survives a check that throws synchronously or rejects with a non-error', async () => {
    const s = await start([
      {
        name: 'sync',
        check: () => {
          throw new Error('sync boom');
        },
      },
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the attack: a dependency rejecting with a non-Error
      { name: 'odd', check: () => Promise.reject<void>('a string') },
    ]);
    const r = await get(s.port, '/readyz');
    expect(r.status).toBe(503);
    expect(JSON.parse(r.text)).toMatchObject({ checks: { sync: 'fail: sync boom', odd: 'fail: a string' } });
  });

  it('/metrics exposes the process defaults and the per-route and per-RPC series', async () => {
    const metrics = new Metrics('auth-test');
    metrics.observeRpc('gatehouse.v1.TokenService', 'VerifyToken', 'OK', process.hrtime.bigint());
    // A real route through the house HTTP app, so the route label comes from Express.
    const app = createHttpApp({ logger: createLogger({ service: 't', level: 'silent' }), metrics });
    const router = express.Router();
    router.get('/users/:id', (_req, res) => {
      res.json({ ok: true });
    });
    app.use('/api', router);
    const http = await listenHttp(app, '127.0.0.1:0');
    await (await fetch(`http://127.0.0.1:${http.port}/api/users/42`)).text();
    await (await fetch(`http://127.0.0.1:${http.port}/api/nothing/here`)).text();
    await http.close();

    const s = await start([], metrics);
    const r = await get(s.port, '/metrics');
    expect(r.status).toBe(200);
    expect(r.type).toContain('text/plain');
    expect(r.text).toContain('process_cpu_seconds_total{service="auth-test"}');
    expect(r.text).toContain('nodejs_eventloop_lag_seconds');
    expect(r.text).toMatch(/gatehouse_grpc_server_handled_total\{[^}]*grpc_method="VerifyToken"[^}]*\} 1/);
    // Label by route pattern (with the router's mount path), never by raw URL (ids would explode cardinality).
    expect(r.text).toMatch(/gatehouse_http_requests_total\{route="\/api\/users\/:id",method="GET",status="200",service="auth-test"\} 1/);
    expect(r.text).toMatch(/gatehouse_http_requests_total\{route="unmatched",method="GET",status="404",service="auth-test"\} 1/);
    expect(r.text).not.toContain('/users/42');
    expect(r.text).toContain('gatehouse_http_request_duration_seconds_bucket');
  });

  it('answers unknown paths with the house 404 body', async () => {
    const s = await start([]);
    const r = await get(s.port, '/nope');
    expect(r.status).toBe(404);
    expect(JSON.parse(r.text)).toEqual({ errors: [{ message: 'Route not found.', extensions: { code: 'ROUTE_NOT_FOUND' } }] });
  });

  it('closes promptly even with a kept-alive scraper connection', async () => {
    const s = await startDebugServer({ addr: '127.0.0.1:0', metrics: new Metrics('test'), checks: [] });
    await get(s.port, '/healthz'); // fetch keeps the connection alive
    const started = Date.now();
    await s.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('splitAddr understands host:port, :port and [ipv6]:port', () => {
    expect(splitAddr('127.0.0.1:9205')).toEqual(['127.0.0.1', 9205]);
    expect(splitAddr(':9205')).toEqual(['0.0.0.0', 9205]);
    expect(splitAddr('[::1]:9205')).toEqual(['::1', 9205]);
  });
});
