import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNats, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { call } from '../../src/client.js';
import { processMemory } from '../../src/metrics.js';
import { startProcessStack, until, type ProcessStack, type ServiceProcess } from '../../src/process-stack.js';
import { startRecordingUpstream, type RecordingUpstream } from '../../src/recording-upstream.js';

// The proxy alone as a process, in front of an upstream that can be slow or never answer.
const ROUTE_TIMEOUT_MS = 6000; // `timeout` of the /t route below (long enough to open the pool under CI load)
// PROXY_UPSTREAM_MAX_SOCKETS (default): connections the proxy opens to one upstream; more requests queue.
const POOL = 256;
const HELD_OPEN = 1000;
// The proxy drains for up to 5 s on SIGTERM (services/proxy/src/app.ts, listener.close(5000)).
const DRAIN_GRACE_MS = 5000;

/** A GET on its own connection (no pooling), resolved with the status or the network error code. */
function get(url: string): Promise<{ status: number; failure?: string; ms: number; body: string }> {
  const started = Date.now();
  return new Promise((done) => {
    const req = request(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, ms: Date.now() - started, body }));
      res.on('error', (e: NodeJS.ErrnoException) => done({ status: 0, failure: e.code ?? 'error', ms: Date.now() - started, body }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => done({ status: 0, failure: e.code ?? 'error', ms: Date.now() - started, body: '' }));
    req.end();
  });
}

describe('fault: the proxy process under SIGTERM, and in front of slow or hung upstreams', () => {
  let redis: SpawnedServer;
  let nats: SpawnedServer;
  let upstream: RecordingUpstream;
  let stack: ProcessStack;
  let proxy: ServiceProcess;
  let base: string;

  beforeAll(async () => {
    [redis, nats, upstream] = await Promise.all([startRedis(), startNats(), startRecordingUpstream()]);
    const routes = join(mkdtempSync(join(tmpdir(), 'gh-routes-')), 'routes.yaml');
    writeFileSync(
      routes,
      `routes:\n  - { prefix: /t, upstream: "${upstream.url}", public: true, timeout: ${ROUTE_TIMEOUT_MS}ms }\n  - { prefix: /w, upstream: "${upstream.url}", public: true, timeout: 60s }\n`,
    );
    stack = await startProcessStack({
      services: ['proxy'],
      redisUrl: redis.url,
      natsUrl: nats.url,
      // Alone: no session cookies to check with auth-bearer, so readiness needs no peer.
      env: { PROXY_ROUTES_FILE: routes, PROXY_ENABLE_SESSION_AUTH: 'false', PROXY_ACCESS_LOG: 'false' },
    });
    proxy = stack.get('proxy');
    base = stack.proxyUrl;
    await proxy.ready();
  }, 150_000);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([redis?.stop(), nats?.stop(), upstream?.close()]);
  });

  it('answers 504 GATEWAY_TIMEOUT at the route timeout, and 200 to an upstream answering within it', async () => {
    const slowOk = await get(`${base}/t/slow?ms=${ROUTE_TIMEOUT_MS / 6}`);
    expect(slowOk.status).toBe(200);
    for (const path of [`/t/slow?ms=${ROUTE_TIMEOUT_MS * 3}`, '/t/hang']) {
      const a = await get(`${base}${path}`);
      expect(a.status).toBe(504);
      expect(JSON.parse(a.body).errors[0].extensions.code).toBe('GATEWAY_TIMEOUT');
      expect(a.ms).toBeGreaterThanOrEqual(ROUTE_TIMEOUT_MS - 50);
      expect(a.ms).toBeLessThan(ROUTE_TIMEOUT_MS * 2);
    }
    await until('the proxy let go of the upstream requests', () => upstream.open === 0, 5000);
  }, 45_000);

  it(`keeps its memory bounded with ${HELD_OPEN} requests held open by a hung upstream, and answers each 504 at the timeout`, async () => {
    // Warm up (connection pool, identity key, JIT), then take the baseline.
    await Promise.all(Array.from({ length: 50 }, () => get(`${base}/t/slow?ms=1`)));
    const baseline = await processMemory(proxy.debugUrl());
    const pending = Array.from({ length: HELD_OPEN }, () => get(`${base}/t/hang`));
    // The proxy holds all of them: as many upstream connections as its pool allows (256), the rest queued.
    // Opening 256 connections takes a loaded CI machine a few seconds: measure before the first 504.
    await until('upstream connections open', () => upstream.open >= POOL, ROUTE_TIMEOUT_MS * 0.7);
    await new Promise((r) => setTimeout(r, 300));
    const held = await processMemory(proxy.debugUrl());
    const answers = await Promise.all(pending);
    const statuses = new Map<number, number>();
    for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    expect([...statuses]).toEqual([[504, HELD_OPEN]]);
    expect(Math.min(...answers.map((a) => a.ms))).toBeGreaterThanOrEqual(ROUTE_TIMEOUT_MS - 50);
    // 1,000 answers written by one process on a loaded 2-core machine: all within one more timeout.
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(ROUTE_TIMEOUT_MS * 2);
    // Growth per held request: node's socket and request objects, the undici queue entry, the timer.
    expect((held.rss - baseline.rss) / HELD_OPEN).toBeLessThan(64 * 1024);
    expect(held.heapUsed - baseline.heapUsed).toBeLessThan(HELD_OPEN * 32 * 1024);
    await until('the proxy let go of the upstream requests', () => upstream.open === 0, 5000);
  }, 60_000);

  it('finishes in-flight requests on SIGTERM under load with no 5xx, and exits 0 within the drain grace', async () => {
    const results: Array<{ sentAt: number; status: number; failure?: string }> = [];
    let signalledAt = Infinity;
    const worker = async () => {
      for (;;) {
        const sentAt = Date.now();
        const a = await get(`${base}/w/slow?ms=300`);
        results.push({ sentAt, status: a.status, ...(a.failure ? { failure: a.failure } : {}) });
        if (a.status === 0 || sentAt > signalledAt + DRAIN_GRACE_MS) return;
      }
    };
    const workers = Array.from({ length: 20 }, worker);
    await until('load running', () => results.length >= 40, 20_000);
    signalledAt = Date.now();
    proxy.signal('SIGTERM');
    const exit = await proxy.exited();
    const exitedAfter = Date.now() - signalledAt;
    await Promise.all(workers);

    expect(exit.code).toBe(0);
    expect(exitedAfter).toBeLessThan(DRAIN_GRACE_MS + 3000);
    expect(results.filter((r) => r.status >= 500)).toEqual([]);
    // Sent before the signal: answered 200, every one.
    const inFlight = results.filter((r) => r.sentAt < signalledAt - 50);
    expect(inFlight.filter((r) => r.status !== 200)).toEqual([]);
    // After it: answered, or refused at the door (the listener is closed), never a 5xx.
    expect(results.filter((r) => r.status === 0 && r.failure !== 'ECONNREFUSED' && r.failure !== 'ECONNRESET')).toEqual([]);
    await proxy.start();
    await proxy.ready();
  }, 60_000);

  it('exits at once on a second SIGTERM while the drain waits on a hung request', async () => {
    const hung = get(`${base}/w/hang`);
    await until('the hung request reached the upstream', () => upstream.open > 0, 5000);
    proxy.signal('SIGTERM');
    // Draining: the process waits for the in-flight request (up to the grace).
    const early = await Promise.race([proxy.exited(), new Promise((r) => setTimeout(() => r('running'), 500))]);
    expect(early).toBe('running');
    const second = Date.now();
    proxy.signal('SIGTERM');
    const exit = await proxy.exited();
    expect(Date.now() - second).toBeLessThan(1000);
    expect(exit.code).toBe(1);
    expect((await hung).status).toBe(0); // cut, not answered with a 5xx
    await proxy.start();
    await proxy.ready();
    expect((await call(`${base}/t/slow?ms=1`)).status).toBe(200);
  }, 60_000);
});
