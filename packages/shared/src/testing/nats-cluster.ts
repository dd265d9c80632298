import { freePort } from './free-port.js';
import { requireBinary, spawnServer, type SpawnedServer } from './spawn-server.js';

export interface NatsClusterNode extends SpawnedServer {
  /** HTTP monitoring base URL (/connz, /routez, /varz). */
  monitorUrl: string;
}

export interface SpawnedNatsCluster {
  /** Every node's client URL, comma-separated (what NATS_URL takes). */
  url: string;
  nodes: NatsClusterNode[];
  /** The node a named client connection is on (from each node's /connz), or undefined. */
  nodeOf(connectionName: string): Promise<NatsClusterNode | undefined>;
  stop(): Promise<void>;
}

/**
 * Starts a real NATS cluster of `nodes` servers (default 3) on free loopback ports, each routed to
 * every other, and resolves once every node sees all its routes.
 */
export async function spawnNatsCluster(opts: { nodes?: number } = {}): Promise<SpawnedNatsCluster> {
  const bin = requireBinary('nats-server', 'Install it with: apt-get install -y nats-server');
  const count = opts.nodes ?? 3;
  const plan: Array<{ port: number; cluster: number; monitor: number }> = [];
  for (let i = 0; i < count; i++) plan.push({ port: await freePort(), cluster: await freePort(), monitor: await freePort() });
  const nodes: NatsClusterNode[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    for (const p of plan) {
      const routes = plan
        .filter((o) => o !== p)
        .map((o) => `nats://127.0.0.1:${o.cluster}`)
        .join(',');
      const args = ['-a', '127.0.0.1', '-p', String(p.port), '-m', String(p.monitor), '--cluster_name', 'gh-test'];
      args.push('--cluster', `nats://127.0.0.1:${p.cluster}`, '--routes', routes);
      const s = await spawnServer(bin, args, p.port, 'nats');
      nodes.push({ ...s, monitorUrl: `http://127.0.0.1:${p.monitor}` });
    }
    const deadline = Date.now() + 15_000;
    for (;;) {
      const routes = await Promise.all(
        nodes.map((n) =>
          fetch(`${n.monitorUrl}/routez`)
            .then((r) => r.json() as Promise<{ num_routes: number }>)
            .then((j) => j.num_routes)
            .catch(() => 0),
        ),
      );
      if (routes.every((r) => r >= count - 1)) break;
      if (Date.now() > deadline) throw new Error(`nats cluster: routes not up within 15 s (${routes.join(', ')})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: nodes.map((n) => n.url).join(','),
    nodes,
    nodeOf: async (name) => {
      for (const n of nodes) {
        const connz = await fetch(`${n.monitorUrl}/connz`)
          .then((r) => r.json() as Promise<{ connections?: Array<{ name?: string }> }>)
          .catch(() => ({ connections: [] }));
        if ((connz.connections ?? []).some((c) => c.name === name)) return n;
      }
      return undefined;
    },
    stop,
  };
}
