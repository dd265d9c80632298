import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { resolve } from 'node:path';
import { freePort, startNats, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { waitFor } from './helpers.js';

// `gatehouse <service> server`, the deployable form (what every container in docker-compose.yml
// runs): each service alone against real Redis and NATS, ready, then drained by SIGTERM with exit 0.
const MAIN = resolve(process.cwd(), 'packages/cli/dist/src/main.js');

/** Status of a GET without keep-alive, so the child's drain never waits on this test's sockets. */
const statusOf = (url: string): Promise<number | undefined> =>
  new Promise((done) => {
    const req = get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      done(res.statusCode);
    });
    req.on('error', () => done(undefined));
  });

// `peer`: the service it calls, whose absence keeps /readyz at 503 (the services run alone here).
const SERVICES = [
  { name: 'auth-bearer', prefix: 'AUTH_BEARER', probe: '/.well-known/jwks.json', peer: 'auth-basic' },
  { name: 'auth-basic', prefix: 'AUTH_BASIC', probe: '/admin/login', peer: 'auth-bearer' },
  { name: 'auth-app', prefix: 'AUTH_APP', probe: undefined, peer: 'auth-basic' },
  // Its other peer (auth-basic) is pointed at a dead port too, so no default port is ever dialled.
  { name: 'auth-apikey', prefix: 'AUTH_APIKEY', probe: undefined, peer: 'auth-bearer', alsoDead: 'auth-basic' },
  { name: 'proxy', prefix: 'PROXY', probe: '/.well-known/gatehouse/jwks.json', peer: 'auth-bearer' },
] as const;

/** Status and JSON body of a GET without keep-alive. */
const getJson = (url: string): Promise<{ status: number; body: any }> =>
  new Promise((done, fail) => {
    get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: JSON.parse(text || 'null') }));
    }).on('error', fail);
  });

describe('gatehouse <service> server', () => {
  let redis: SpawnedServer;
  let nats: SpawnedServer;
  beforeAll(async () => {
    [redis, nats] = await Promise.all([startRedis(), startNats()]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), nats?.stop()]);
  });

  it.each(SERVICES)(
    'runs $name alone against Redis and NATS: serving, not ready without $peer, exits 0 on SIGTERM',
    async ({ name, prefix, probe, peer, ...rest }) => {
      const [http, grpc, debug, deadPeer] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
      const peerEndpoint = `${peer.replace('-', '_').toUpperCase()}_GRPC_ENDPOINT`;
      const alsoDead =
        'alsoDead' in rest ? { [`${rest.alsoDead.replace('-', '_').toUpperCase()}_GRPC_ENDPOINT`]: `127.0.0.1:${deadPeer}` } : {};
      const child = spawn(process.execPath, [MAIN, name, 'server'], {
        env: {
          PATH: process.env.PATH,
          GATEHOUSE_SECRET: 's'.repeat(40),
          REDIS_URL: redis.url,
          NATS_URL: nats.url,
          [`${prefix}_HTTP_ADDR`]: `127.0.0.1:${http}`,
          [`${prefix}_GRPC_ADDR`]: `127.0.0.1:${grpc}`,
          [`${prefix}_DEBUG_ADDR`]: `127.0.0.1:${debug}`,
          [peerEndpoint]: `127.0.0.1:${deadPeer}`,
          ...alsoDead,
          LOG_LEVEL: 'silent',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      try {
        await waitFor(async () => (await statusOf(`http://127.0.0.1:${debug}/healthz`)) === 200, 15_000);
        if (probe) await waitFor(async () => (await statusOf(`http://127.0.0.1:${http}${probe}`)) === 200, 15_000);
        // /readyz names what is missing: the service it calls. Redis (and NATS where it matters) are fine.
        const ready = await waitFor(async () => {
          const r = await getJson(`http://127.0.0.1:${debug}/readyz`);
          return r.body?.checks?.store === 'ok' && r;
        }, 15_000);
        expect(ready.status).toBe(503);
        expect(ready.body.checks[peer]).toMatch(/^fail/);
        if ('bus' in ready.body.checks) expect(ready.body.checks.bus).toBe('ok');
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      expect(stderr).toBe('');
    },
    30_000,
  );

  it.each(SERVICES)('refuses to run $name alone without REDIS_URL and NATS_URL', async ({ name }) => {
    const child = spawn(process.execPath, [MAIN, name, 'server'], {
      env: { PATH: process.env.PATH, GATEHOUSE_SECRET: 's'.repeat(40), LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/REDIS_URL[\s\S]*NATS_URL/);
  });

  it('lists every bad or missing variable at once', async () => {
    const child = spawn(process.execPath, [MAIN, 'auth-bearer', 'server'], {
      env: { PATH: process.env.PATH, GATEHOUSE_SECRET: 'short', ACCESS_TOKEN_TTL: 'soon', AUTH_BEARER_HTTP_ADDR: 'nowhere' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/GATEHOUSE_SECRET/);
    expect(stderr).toMatch(/ACCESS_TOKEN_TTL/);
    expect(stderr).toMatch(/AUTH_BEARER_HTTP_ADDR/);
  });
});
