import { freePort } from './free-port.js';
import { requireBinary, spawnServer, type SpawnedServer } from './spawn-server.js';

/** Starts a real, throwaway nats-server on a free loopback port. */
export async function startNats(opts: { port?: number; user?: string; pass?: string } = {}): Promise<SpawnedServer> {
  const bin = requireBinary('nats-server', 'Install it with: apt-get install -y nats-server');
  const p = opts.port ?? (await freePort());
  const args = ['-a', '127.0.0.1', '-p', String(p)];
  if (opts.user) args.push('--user', opts.user, '--pass', opts.pass ?? '');
  const server = await spawnServer(bin, args, p, 'nats');
  if (opts.user) server.url = `nats://${encodeURIComponent(opts.user)}:${encodeURIComponent(opts.pass ?? '')}@127.0.0.1:${p}`;
  return server;
}
