import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startNats, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

/** Status of a GET without keep-alive (a kept-alive socket would hold the debug server's close). */
const statusOf = (url: string): Promise<number | undefined> =>
  new Promise((resolve) => {
    const req = get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
  });

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

let redis: SpawnedServer;
let nats: SpawnedServer;
let outbox: string;

beforeAll(async () => {
  [redis, nats] = await Promise.all([startRedis(), startNats()]);
  outbox = await mkdtemp(join(tmpdir(), 'auth-basic-main-'));
});

afterAll(async () => {
  await Promise.all([redis?.stop(), nats?.stop(), outbox ? rm(outbox, { recursive: true, force: true }) : undefined]);
});

it('main.ts starts against Redis and NATS, reports ready, serves GET /auth, and exits 0 on SIGTERM', async () => {
  const [http, grpc, debug] = await Promise.all([freePort(), freePort(), freePort()]);
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      GATEHOUSE_SECRET: 'm'.repeat(40),
      REDIS_URL: redis.url,
      NATS_URL: nats.url,
      AUTH_BASIC_HTTP_ADDR: `127.0.0.1:${http}`,
      AUTH_BASIC_GRPC_ADDR: `127.0.0.1:${grpc}`,
      AUTH_BASIC_DEBUG_ADDR: `127.0.0.1:${debug}`,
      AUTH_BASIC_HASH_WORKERS: '1',
      AUTH_BASIC_OUTBOX_DIR: outbox,
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await eventually(async () => (await statusOf(`http://127.0.0.1:${debug}/readyz`)) === 200, 10_000);
    expect(await statusOf(`http://127.0.0.1:${http}/auth`)).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  expect(stderr).toBe('');
}, 20_000);

it('main.ts refuses to start without REDIS_URL and NATS_URL', async () => {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH, GATEHOUSE_SECRET: 'm'.repeat(40), LOG_LEVEL: 'silent' }, stdio: 'ignore' });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  expect(code).not.toBe(0);
});
