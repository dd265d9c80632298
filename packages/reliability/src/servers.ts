import { mkdtempSync } from 'node:fs';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireBinary, spawnServer, type SpawnedServer } from '@gatehouse/shared/testing';
import { getStatus } from './process-stack.js';

/** A Redis that the test kills and starts again on the same port (and, with `aof`, the same data). */
export interface RestartableServer {
  url: string;
  port: number;
  /** SIGKILL: an outage, no shutdown save. */
  kill(): Promise<void>;
  /** Starts again on the same port (and data folder). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

function restartable(launch: () => Promise<SpawnedServer>, port: number, scheme: string): Promise<RestartableServer> {
  let current: SpawnedServer | undefined;
  const server: RestartableServer = {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    kill: async () => {
      await current?.kill();
      current = undefined;
    },
    start: async () => {
      if (current) return;
      // The port may still be held by a socket of the killed process for a moment: retry briefly.
      for (let i = 0; ; i++) {
        try {
          current = await launch();
          return;
        } catch (err) {
          if (i >= 20) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    stop: async () => {
      await current?.stop();
      current = undefined;
    },
  };
  return server.start().then(() => server);
}

/**
 * redis-server on a free port. With `aof`, every write is appended and fsynced before Redis answers
 * (appendonly yes, appendfsync always): what Gatehouse was told is stored survives a SIGKILL.
 */
export async function startRestartableRedis(opts: { aof?: boolean } = {}): Promise<RestartableServer> {
  const bin = requireBinary('redis-server', 'Install it with: apt-get install -y redis-server');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gh-redis-'));
  const persistence = opts.aof ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir] : ['--appendonly', 'no'];
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--protected-mode', 'yes'];
  return restartable(() => spawnServer(bin, args, port, 'redis'), port, 'redis');
}

/** nats-server on a free port, with its monitoring endpoint (/connz names each client's connection). */
export async function startRestartableNats(): Promise<RestartableServer & { connectionNames(): Promise<string[]> }> {
  const bin = requireBinary('nats-server', 'Install it with: apt-get install -y nats-server');
  const port = await freePort();
  const monitor = await freePort();
  const args = ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitor)];
  const server = await restartable(() => spawnServer(bin, args, port, 'nats'), port, 'nats');
  return Object.assign(server, {
    async connectionNames(): Promise<string[]> {
      const res = await getStatus(`http://127.0.0.1:${monitor}/connz`);
      if (res?.status !== 200) return [];
      return ((JSON.parse(res.body) as { connections?: Array<{ name?: string }> }).connections ?? []).map((c) => c.name ?? '');
    },
  });
}

/**
 * A TCP relay in front of a server, so one client's link can be cut while the others stay up (a
 * partition between one service and NATS). `cut()` drops the relayed connections and refuses new
 * ones until `restore()`.
 */
export async function startRelay(
  targetPort: number,
): Promise<{ port: number; url(scheme: string): string; cut(): void; restore(): void; close(): Promise<void> }> {
  const pairs = new Set<[Socket, Socket]>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) return void client.destroy();
    const upstream = connect(targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const dropAll = () => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    url: (scheme) => `${scheme}://127.0.0.1:${port}`,
    cut() {
      open = false;
      dropAll();
    },
    restore() {
      open = true;
    },
    close: () =>
      new Promise((r) => {
        dropAll();
        server.close(() => r());
      }),
  };
}
