import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { requireBinary, spawnServer, type SpawnedServer } from './spawn-server.js';

export interface SpawnedRedisCluster {
  /** `redis-cluster://127.0.0.1:p1,127.0.0.1:p2,…` (every master as a seed). */
  url: string;
  masters: SpawnedServer[];
  /** Stops every node and removes the nodes' files. */
  stop(): Promise<void>;
}

const HASH_SLOTS = 16_384;

async function until(what: string, cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond().catch(() => false))) {
    if (Date.now() > end) throw new Error(`redis cluster: ${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts a real Redis Cluster of `masters` nodes (default 3, no replicas) on free loopback ports,
 * slots split evenly, and resolves once every node reports `cluster_state:ok`. Needs redis-server
 * 7.0+ (`cluster-port`, so the bus port is a free port too rather than port + 10000).
 */
export async function spawnRedisCluster(opts: { masters?: number } = {}): Promise<SpawnedRedisCluster> {
  const bin = requireBinary('redis-server', 'Install it with: apt-get install -y redis-server');
  const count = opts.masters ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'gh-redis-cluster-'));
  const masters: SpawnedServer[] = [];
  const busPorts: number[] = [];
  const stop = async () => {
    await Promise.all(masters.map((m) => m.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  const admin: Redis[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const [port, bus] = [await freePort(), await freePort()];
      busPorts.push(bus);
      masters.push(
        await spawnServer(
          bin,
          // One node, one folder of its own: nodes.conf is the node's identity.
          [
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--cluster-enabled',
            'yes',
            '--cluster-port',
            String(bus),
            '--cluster-config-file',
            join(dir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            '2000',
            '--save',
            '',
            '--appendonly',
            'no',
            '--dir',
            dir,
          ],
          port,
          'redis',
        ),
      );
    }
    for (const m of masters)
      admin.push(new Redis({ host: '127.0.0.1', port: m.port, lazyConnect: true, maxRetriesPerRequest: 1, disconnectTimeout: 50 }));
    await Promise.all(admin.map((c) => c.connect()));
    await Promise.all(
      admin.map((c, i) => {
        const from = Math.floor((HASH_SLOTS * i) / count);
        const to = Math.floor((HASH_SLOTS * (i + 1)) / count) - 1;
        return c.call('CLUSTER', 'ADDSLOTSRANGE', String(from), String(to));
      }),
    );
    for (let i = 1; i < count; i++) await admin[0]!.call('CLUSTER', 'MEET', '127.0.0.1', String(masters[i]!.port), String(busPorts[i]));
    await until(
      'cluster_state:ok on every node',
      async () => {
        const infos = await Promise.all(admin.map((c) => c.call('CLUSTER', 'INFO') as Promise<string>));
        return infos.every((s) => s.includes('cluster_state:ok') && s.includes(`cluster_known_nodes:${count}`));
      },
      15_000,
    );
  } catch (err) {
    await stop();
    throw err;
  } finally {
    for (const c of admin) c.disconnect();
  }
  return { url: `redis-cluster://${masters.map((m) => `127.0.0.1:${m.port}`).join(',')}`, masters, stop };
}
