import { request } from 'node:http';
import { Readable } from 'node:stream';
import WebSocket from 'ws';
import { mintToken, startJwks, startProxy, startUpstream, wsText, type ProxyUnderTest, type Upstream } from './harness.js';

type Jwks = Awaited<ReturnType<typeof startJwks>>;

describe('proxy HTTP entry: streaming and WebSocket', () => {
  let jwks: Jwks;
  let upstream: Upstream;
  let proxy: ProxyUnderTest;
  let token: string;

  beforeAll(async () => {
    jwks = await startJwks();
    upstream = await startUpstream();
    proxy = await startProxy({ jwksUrl: jwks.url, upstream: upstream.url });
    token = await mintToken(jwks.key, { sub: 'streamer' });
  });
  afterAll(async () => {
    await proxy.stop();
    await upstream.close();
    await jwks.close();
  });

  it('streams server-sent events as they are produced, not at the end', async () => {
    const res = await fetch(`${proxy.url}/api/sse`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const arrivals: number[] = [];
    let text = '';
    const started = Date.now();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      arrivals.push(Date.now() - started);
      text += Buffer.from(value).toString();
    }
    expect(text).toContain('data: tick 0');
    expect(text).toContain('data: tick 2');
    // Events arrive spread over ~300 ms, not in one piece at the end.
    expect(arrivals.length).toBeGreaterThanOrEqual(3);
    expect(arrivals[0]!).toBeLessThan(arrivals[arrivals.length - 1]! - 100);
  });

  it('streams a 100 MB upload to the upstream without buffering it', async () => {
    const total = 100 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 7);
    let sent = 0;
    const body = new Readable({
      read() {
        if (sent >= total) return void this.push(null);
        sent += chunk.length;
        this.push(chunk);
      },
    });
    global.gc?.();
    const base = process.memoryUsage();
    let peak = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.arrayBuffers + m.heapUsed - (base.arrayBuffers + base.heapUsed));
    }, 20);
    const started = Date.now();
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const r = request(
        `${proxy.url}/api/upload`,
        { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' } },
        (res) => {
          let b = '';
          res.on('data', (d: Buffer) => (b += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
        },
      );
      r.on('error', reject);
      body.pipe(r);
    });
    clearInterval(sampler);
    const ms = Date.now() - started;
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ bytes: total });
    // The client, the proxy and the sink share this process: all of them together stayed far
    // below the body size (measured ~10-30 MB of heap + buffers for 100 MB).
    expect(peak).toBeLessThan(60 * 1024 * 1024);
    process.stdout.write(`100 MB upload through the proxy: ${ms} ms, peak heap+buffers growth ${(peak / 1024 / 1024).toFixed(1)} MB\n`);
  });

  it('answers Expect: 100-continue itself and forwards the body sent after it', async () => {
    const result = await new Promise<{ status: number; body: string; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const r = request(
        `${proxy.url}/api/upload`,
        { method: 'POST', headers: { authorization: `Bearer ${token}`, expect: '100-continue', 'content-length': '5' } },
        (res) => {
          let b = '';
          res.on('data', (d: Buffer) => (b += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b, continued }));
        },
      );
      r.on('continue', () => {
        continued = true;
        r.end('hello');
      });
      r.on('error', reject);
    });
    expect(result).toEqual({ status: 200, body: JSON.stringify({ bytes: 5 }), continued: true });
  });

  it('upgrades an authenticated WebSocket and relays messages both ways', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.http}/api/ws`, { headers: { authorization: `Bearer ${token}`, 'x-user-id': 'root' } });
    const reply = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('hello'));
      ws.on('message', (m) => resolve(wsText(m)));
      ws.on('error', reject);
    });
    expect(reply).toBe('echo:hello');
    expect(upstream.last?.headers['x-user-id']).toBe('streamer');
    expect(upstream.last?.headers['x-gatehouse-identity']).toBeDefined();
    expect(upstream.last?.headers.authorization).toBeUndefined();
    ws.close();
  });

  it('refuses an unauthenticated WebSocket upgrade before reaching the upstream', async () => {
    upstream.last = undefined;
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.http}/api/ws`);
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    expect(status).toBe(401);
    expect(upstream.last).toBeUndefined();
  });

  it('refuses a WebSocket upgrade on a route that does not allow it', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.http}/public/ws`);
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    expect(status).toBe(405);
  });
});
