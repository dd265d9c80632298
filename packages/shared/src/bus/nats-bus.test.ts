import { createServer, type Server, type Socket } from 'node:net';
import { freePort } from '../testing/free-port.js';
import { startNats } from '../testing/nats-server.js';
import type { SpawnedServer } from '../testing/spawn-server.js';
import { busContract } from './bus.contract.js';
import { NatsBus } from './nats-bus.js';
import { eventually } from '../testing/eventually.js';

busContract('nats (real nats-server, two connections)', async () => {
  const server = await startNats({ user: 'gh', pass: 's3cret' });
  const a = await NatsBus.connect({ url: server.url, name: 'a' });
  const b = await NatsBus.connect({ url: server.url, name: 'b' });
  return {
    a,
    b,
    done: async () => {
      await a.close();
      await b.close();
      await server.stop();
    },
  };
});

describe('NatsBus reconnect hook', () => {
  let server: SpawnedServer;
  afterEach(async () => server?.stop());

  it('reports the outage and calls onReconnect when the server is back', async () => {
    server = await startNats();
    const bus = await NatsBus.connect({ url: server.url });
    let disconnected = 0;
    let reconnected = 0;
    bus.onDisconnect(() => disconnected++);
    bus.onReconnect(() => reconnected++);
    const port = server.port;
    await server.kill();
    const until = (cond: () => boolean) => eventually(cond, 8000, 50);
    await until(() => bus.disconnectedSince() !== null);
    expect(disconnected).toBe(1);
    expect(bus.disconnectedSince()).not.toBeNull();
    server = await startNats({ port });
    await until(() => reconnected > 0);
    expect(reconnected).toBe(1);
    expect(bus.disconnectedSince()).toBeNull();
    await bus.close();
  });

  it('fails to connect with wrong credentials instead of hanging', async () => {
    server = await startNats({ user: 'gh', pass: 'right' });
    await expect(NatsBus.connect({ url: `nats://gh:wrong@127.0.0.1:${server.port}` })).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
  });
});

describe('NatsBus connect failures', () => {
  it('fails fast with SERVICE_UNAVAILABLE when nothing listens', async () => {
    const started = Date.now();
    await expect(NatsBus.connect({ url: `nats://127.0.0.1:${await freePort()}` })).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('gives up after connectTimeoutMs on a server that accepts but never speaks', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    await expect(NatsBus.connect({ url: `nats://127.0.0.1:${port}`, connectTimeoutMs: 300 })).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
    expect(Date.now() - started).toBeLessThan(1500);
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  it('rejects a malformed URL with SERVICE_UNAVAILABLE rather than a TypeError', async () => {
    await expect(NatsBus.connect({ url: 'nats://[bad' })).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });
});
