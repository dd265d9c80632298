import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { freePort, startNats, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { eventually } from './harness.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

/** Status of a GET without keep-alive, so the child's drain never waits on this test's sockets. */
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
  await Promise.all([redis?.stop(), nats?.stop()]);
});

it('main.ts starts against Redis and NATS, serves its JWKS, reports ready, and exits 0 on SIGTERM', async () => {
  const [http, grpc, debug] = await Promise.all([freePort(), freePort(), freePort()]);
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, GATEHOUSE_SECRET: 'm'.repeat(40), REDIS_URL: redis.url, NATS_URL: nats.url, AUTH_BEARER_HTTP_ADDR: `127.0.0.1:${http}`, AUTH_BEARER_GRPC_ADDR: `127.0.0.1:${grpc}`, AUTH_BEARER_DEBUG_ADDR: `127.0.0.1:${debug}`, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await eventually(async () => (await statusOf(`http://127.0.0.1:${debug}/readyz`)) === 200, 10_000);
    expect(await statusOf(`http://127.0.0.1:${http}/.well-known/jwks.json`)).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  expect(stderr).toBe('');
}, 20_000);

it('main.ts refuses to start without REDIS_URL and NATS_URL', async () => {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH, GATEHOUSE_SECRET: 'm'.repeat(40), LOG_LEVEL: 'silent' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  expect(code).not.toBe(0);
  expect(stderr).toMatch(/REDIS_URL[\s\S]*NATS_URL/);
});
