import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { requireBinary, spawnServer, type SpawnedServer } from './spawn-server.js';

export interface SpawnedRedisSentinel {
  /** `redis-sentinel://[:password@]127.0.0.1:s1,…/<masterName>`. */
  url: string;
  masterName: string;
  /** The master at start (after a failover, one of `replicas` is the master). */
  master: SpawnedServer;
  replicas: SpawnedServer[];
  sentinels: SpawnedServer[];
  /** The master the sentinels currently name. */
  currentMasterPort(): Promise<number>;
  stop(): Promise<void>;
}

export interface RedisSentinelOptions {
  replicas?: number;
  sentinels?: number;
  /** requirepass of the data nodes (and masterauth of the replicas, auth-pass of the sentinels). */
  password?: string;
  /** requirepass of the sentinels themselves. */
  sentinelPassword?: string;
  /** How long a silent master takes to be declared down (default 1000 ms: tests want fast failovers). */
  downAfterMs?: number;
  /**
   * Wait until every sentinel knows the replicas and its peers (needed before a failover can be
   * elected; sentinels discover them over a few seconds). Default false: the master is served at once.
   */
  readyForFailover?: boolean;
}

async function until(what: string, cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond().catch(() => false))) {
    if (Date.now() > end) throw new Error(`redis sentinel: ${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts a real Sentinel setup on free loopback ports: one master, `replicas` replicas (default 1)
 * and `sentinels` sentinels (default 3, quorum = majority), resolving once replication is online
 * and the sentinels name the master (with `readyForFailover`, once they also know the replicas and
 * each other, so a failover can be elected).
 */
export async function spawnRedisSentinel(opts: RedisSentinelOptions = {}): Promise<SpawnedRedisSentinel> {
  const bin = requireBinary('redis-server', 'Install it with: apt-get install -y redis-server');
  const masterName = 'gh-master';
  const replicaCount = opts.replicas ?? 1;
  const sentinelCount = opts.sentinels ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'gh-redis-sentinel-'));
  const started: SpawnedServer[] = [];
  const admin: Redis[] = [];
  const stop = async () => {
    for (const c of admin) c.disconnect();
    await Promise.all(started.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  const auth = opts.password ? ['--requirepass', opts.password, '--masterauth', opts.password] : [];
  const dataNode = async (extra: string[]) => {
    const port = await freePort();
    const s = await spawnServer(
      bin,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--repl-diskless-sync-delay',
        '0',
        ...auth,
        ...extra,
      ],
      port,
      'redis',
    );
    started.push(s);
    return s;
  };
  const connect = (port: number, password?: string) => {
    const c = new Redis({
      host: '127.0.0.1',
      port,
      password,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
      disconnectTimeout: 50,
    });
    admin.push(c);
    return c;
  };
  try {
    const master = await dataNode([]);
    const replicas: SpawnedServer[] = [];
    for (let i = 0; i < replicaCount; i++) replicas.push(await dataNode(['--replicaof', '127.0.0.1', String(master.port)]));
    const quorum = Math.floor(sentinelCount / 2) + 1;
    const sentinels: SpawnedServer[] = [];
    for (let i = 0; i < sentinelCount; i++) {
      const port = await freePort();
      const conf = join(dir, `sentinel-${port}.conf`);
      // Sentinel rewrites its config file (discovered replicas and peers): it must be its own, writable.
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${master.port} ${quorum}`,
          `sentinel down-after-milliseconds ${masterName} ${opts.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${masterName} 10000`,
          `sentinel parallel-syncs ${masterName} 1`,
          ...(opts.password ? [`sentinel auth-pass ${masterName} ${opts.password}`] : []),
          ...(opts.sentinelPassword ? [`requirepass ${opts.sentinelPassword}`] : []),
          '',
        ].join('\n'),
      );
      const s = await spawnServer(bin, [conf, '--sentinel'], port, 'redis');
      started.push(s);
      sentinels.push(s);
    }
    const masterClient = connect(master.port, opts.password);
    const sentinelClients = sentinels.map((s) => connect(s.port, opts.sentinelPassword));
    await Promise.all([masterClient, ...sentinelClients].map((c) => c.connect()));
    await until(
      'replication online',
      async () => ((await masterClient.info('replication')).match(/state=online/g) ?? []).length === replicaCount,
      15_000,
    );
    if (opts.readyForFailover) {
      await until(
        'every sentinel knowing the replicas and its peers',
        async () => {
          const views = await Promise.all(
            sentinelClients.map(async (c) => {
              const reps = (await c.call('SENTINEL', 'REPLICAS', masterName)) as unknown[];
              const peers = (await c.call('SENTINEL', 'SENTINELS', masterName)) as unknown[];
              return reps.length === replicaCount && peers.length === sentinelCount - 1;
            }),
          );
          return views.every(Boolean);
        },
        20_000,
      );
    }
    await until(
      'every sentinel naming the master',
      async () => (await Promise.all(sentinelClients.map((c) => c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName)))).every(Boolean),
      10_000,
    );
    const dataAuth = opts.password ? `:${encodeURIComponent(opts.password)}@` : '';
    return {
      url: `redis-sentinel://${dataAuth}${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${masterName}`,
      masterName,
      master,
      replicas,
      sentinels,
      currentMasterPort: async () => {
        for (const c of sentinelClients) {
          try {
            const addr = (await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName)) as [string, string];
            return Number(addr[1]);
          } catch {
            // that sentinel is down: ask the next
          }
        }
        throw new Error('no sentinel answered');
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
