import { freePort } from './free-port.js';
import { requireBinary, spawnServer, type SpawnedServer } from './spawn-server.js';

/** Starts a real, throwaway redis-server on a free loopback port (no persistence). */
export async function startRedis(port?: number): Promise<SpawnedServer> {
  const bin = requireBinary('redis-server', 'Install it with: apt-get install -y redis-server');
  const p = port ?? (await freePort());
  return spawnServer(
    bin,
    ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
    p,
    'redis',
  );
}
