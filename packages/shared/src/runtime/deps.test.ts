import { Writable } from 'node:stream';
import { ConfigError } from '../config.js';
import { createLogger } from '../logger.js';
import { freePort } from '../testing/free-port.js';
import { startNats } from '../testing/nats-server.js';
import { startRedis } from '../testing/redis-server.js';
import { connectBackends } from './deps.js';

function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  return { logger: createLogger({ service: 'deps-test', destination: stream }), lines };
}

describe('connectBackends', () => {
  it('refuses to run a lone service without REDIS_URL and NATS_URL, naming both', async () => {
    const err = await connectBackends({ name: 't', logger: capturingLogger().logger, allowMemory: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.split(':')[0])).toEqual(['REDIS_URL', 'NATS_URL']);
  });

  it('uses the in-memory store and bus in the all-in-one runtime and says so once', async () => {
    const { logger, lines } = capturingLogger();
    const { store, bus } = await connectBackends({ name: 't', logger, allowMemory: true });
    expect([store.kind, bus.kind]).toEqual(['memory', 'memory']);
    expect(lines.filter((l) => l.includes('in-memory'))).toHaveLength(1);
    await store.close();
    await bus.close();
  });

  it('connects to real Redis and NATS when given URLs', async () => {
    const redis = await startRedis();
    const nats = await startNats();
    const { logger, lines } = capturingLogger();
    const { store, bus } = await connectBackends({ name: 't', logger, allowMemory: false, redisUrl: redis.url, natsUrl: nats.url });
    expect([store.kind, bus.kind]).toEqual(['redis', 'nats']);
    await store.ping();
    expect(lines.filter((l) => l.includes('in-memory'))).toHaveLength(0);
    await store.close();
    await bus.close();
    await nats.stop();
    await redis.stop();
  });

  it('fails the start with SERVICE_UNAVAILABLE when Redis is down, within the ready timeout', async () => {
    const started = Date.now();
    await expect(
      connectBackends({
        name: 't',
        logger: capturingLogger().logger,
        allowMemory: false,
        redisUrl: `redis://127.0.0.1:${await freePort()}`,
        natsUrl: 'nats://127.0.0.1:1',
        readyTimeoutMs: 300,
      }),
    ).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('fails the start when NATS is down, and closes the Redis connection it opened', async () => {
    const redis = await startRedis();
    const clientsBefore = await redisClientCount(redis.port);
    await expect(
      connectBackends({
        name: 't',
        logger: capturingLogger().logger,
        allowMemory: false,
        redisUrl: redis.url,
        natsUrl: `nats://127.0.0.1:${await freePort()}`,
      }),
    ).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(await redisClientCount(redis.port)).toBe(clientsBefore);
    await redis.stop();
  });
});

/** Connected clients as Redis counts them (excluding the asking connection). */
async function redisClientCount(port: number): Promise<number> {
  const { Redis } = await import('ioredis');
  const c = new Redis(port, '127.0.0.1');
  const list = await c.client('LIST');
  await c.quit();
  return String(list).split('\n').filter(Boolean).length - 1;
}
