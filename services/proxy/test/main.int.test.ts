import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { freePort, startNats, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

/** Status of a GET without keep-alive (so the servers can drain at once), or undefined when refused. */
const statusOf = (url: string): Promise<number | undefined> =>
  new Promise((resolve) => {
    const req = get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
  });

let redis: SpawnedServer;
let nats: SpawnedServer;

beforeAll(async () => {
  [redis, nats] = await Promise.all([startRedis(), startNats()]);
});
afterAll(async () => {
  await Promise.all([redis.stop(), nats.stop()]);
});

it('main.ts starts against Redis and NATS, reports ready, and exits 0 on SIGTERM', async () => {
  const [http, grpc, debug] = await Promise.all([freePort(), freePort(), freePort()]);
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, GATEHOUSE_SECRET: 'p'.repeat(40), REDIS_URL: redis.url, NATS_URL: nats.url, PROXY_HTTP_ADDR: `127.0.0.1:${http}`, PROXY_GRPC_ADDR: `127.0.0.1:${grpc}`, PROXY_DEBUG_ADDR: `127.0.0.1:${debug}`, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const started = Date.now();
    while ((await statusOf(`http://127.0.0.1:${debug}/readyz`)) !== 200) {
      if (Date.now() - started > 10_000) throw new Error(`not ready within 10 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // The shipped routes file is loaded: /users is protected.
    expect(await statusOf(`http://127.0.0.1:${http}/users`)).toBe(401);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  expect(stderr).toBe('');
}, 20_000);

it('main.ts refuses to start without REDIS_URL and NATS_URL', async () => {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH, GATEHOUSE_SECRET: 'p'.repeat(40), LOG_LEVEL: 'silent' }, stdio: 'ignore' });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  expect(code).not.toBe(0);
});
