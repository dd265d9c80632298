import { GatehouseError } from '../errors.js';
import { freePort } from '../testing/free-port.js';
import { startRedis } from '../testing/redis-server.js';
import { RedisStore } from './redis-store.js';
import { storeContract } from './store.contract.js';
import { codeOf } from '../testing/code-of.js';

storeContract('redis (real redis-server)', async () => {
  const server = await startRedis();
  const store = new RedisStore({ url: server.url });
  await store.ready();
  return {
    store,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    done: async () => {
      await store.close();
      await server.stop();
    },
  };
});

describe('RedisStore outage', () => {
  it('turns a dead Redis into SERVICE_UNAVAILABLE quickly instead of hanging', async () => {
    const server = await startRedis();
    const store = new RedisStore({ url: server.url, commandTimeoutMs: 300 });
    await store.ready();
    await store.set('outage:k', 'v');
    await server.kill();
    const started = Date.now();
    const err = await store.get('outage:k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatehouseError);
    expect((err as GatehouseError).code).toBe('SERVICE_UNAVAILABLE');
    expect((err as GatehouseError).retryAfter).toBe(1);
    expect(Date.now() - started).toBeLessThan(2000);
    await store.close();
  });
});

describe('RedisStore failure modes', () => {
  it('starts its client again when ioredis ended it without close() (a connect abandoned mid-failover)', async () => {
    const server = await startRedis();
    const store = new RedisStore({ url: server.url });
    await store.ready();
    // What ioredis does when its connector gives up mid-connect: the client goes to `end`, for good.
    (store.client as { disconnect(): void }).disconnect();
    const started = Date.now();
    let ok = false;
    while (!ok && Date.now() - started < 5000) {
      ok = await store.set('restarted', '1').catch(() => false);
      if (!ok) await new Promise((r) => setTimeout(r, 50));
    }
    expect(ok).toBe(true);
    await store.close();
    // close() is final: past the restart delay the client stays ended.
    await new Promise((r) => setTimeout(r, 300));
    expect(store.client.status).toBe('end');
    await server.stop();
  });

  it('rejects ready() with SERVICE_UNAVAILABLE within its timeout when Redis is down at startup', async () => {
    const store = new RedisStore({ url: `redis://127.0.0.1:${await freePort()}`, connectTimeoutMs: 200 });
    const started = Date.now();
    const err = await store.ready(400).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect((err as GatehouseError).detail).toMatch(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(1500);
    // Commands meanwhile fail at once rather than waiting for a connection.
    const t = Date.now();
    expect(await codeOf(store.get('k'))).toBe('SERVICE_UNAVAILABLE');
    expect(Date.now() - t).toBeLessThan(100);
    let attempts = 0;
    store.client.on('connecting', () => attempts++);
    await store.close();
    // close() really stops the reconnect loop (else the process could never exit)...
    await new Promise((r) => setTimeout(r, 400));
    expect(attempts).toBe(0);
    // ...and a closed store does not wait for a connection that will never come.
    const t2 = Date.now();
    expect(await codeOf(store.ready(5000))).toBe('SERVICE_UNAVAILABLE');
    expect(Date.now() - t2).toBeLessThan(100);
  });

  it('does not queue commands during an outage (no replay after reconnect)', async () => {
    const server = await startRedis();
    const store = new RedisStore({ url: server.url, commandTimeoutMs: 300 });
    await store.ready();
    await server.kill();
    while (store.client.status === 'ready') await new Promise((r) => setTimeout(r, 10));
    const t = Date.now();
    expect(await codeOf(store.set('queued', 'v'))).toBe('SERVICE_UNAVAILABLE');
    expect(Date.now() - t).toBeLessThan(100);
    expect((store.client as unknown as { offlineQueue: { length: number } }).offlineQueue.length).toBe(0);
    // Same port, fresh (empty) server: a queued SET would be replayed into it on reconnect.
    const again = await startRedis(server.port);
    await store.ready(5000);
    expect(await store.get('queued')).toBeNull();
    await store.close();
    await again.stop();
  });

  it('fails a command within the command timeout when Redis hangs (SIGSTOP), then recovers', async () => {
    const server = await startRedis();
    const store = new RedisStore({ url: server.url, commandTimeoutMs: 200 });
    await store.ready();
    process.kill(server.pid, 'SIGSTOP');
    try {
      const t = Date.now();
      expect(await codeOf(store.get('k'))).toBe('SERVICE_UNAVAILABLE');
      expect(Date.now() - t).toBeLessThan(600);
    } finally {
      process.kill(server.pid, 'SIGCONT');
    }
    await expect(store.set('after', '1')).resolves.toBe(true);
    await store.close();
    await server.stop();
  });

  it('incr creates the counter with its TTL atomically (never a counter without expiry)', async () => {
    const server = await startRedis();
    const store = new RedisStore({ url: server.url });
    await store.ready();
    expect(await store.incr('lock:1', 60_000)).toBe(1);
    expect(await store.incr('lock:1', 60_000)).toBe(2);
    const ttl = await store.ttl('lock:1');
    expect(ttl).toBeGreaterThan(59_000);
    expect(await store.incr('plain')).toBe(1);
    expect(await store.ttl('plain')).toBe(-1);
    await store.close();
    await server.stop();
  });
});
