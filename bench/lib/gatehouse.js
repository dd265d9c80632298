// Gatehouse as an operator runs it: `gatehouse server` (all-in-one, embedded store and bus) with
// the defaults (LOG_LEVEL=info, access log on), its log output discarded. The bench adds two
// routes to the echo upstream and a signing key file, so it can mint valid access tokens itself.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, pin, PROXY_CORE, waitReady } from './procs.js';

export const ADMIN = { email: 'admin@example.com', password: 'benchmark admin password 1' };

/**
 * `share`: another instance whose auth services this one uses (it then runs only the proxy, with
 * the same secret and signing key): two proxies over one Redis and NATS (REDIS_URL, NATS_URL in extraEnv).
 */
export async function startGatehouse(root, upstreamPort, extraEnv = {}, share = undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-'));
  const routesFile = join(dir, 'routes.yaml');
  const shipped = readFileSync(join(root, 'services/proxy/routes.yaml'), 'utf8');
  writeFileSync(
    routesFile,
    `${shipped}\n  - { prefix: /bench/public, upstream: "http://127.0.0.1:${upstreamPort}", public: true }\n  - { prefix: /bench/protected, upstream: "http://127.0.0.1:${upstreamPort}" }\n`,
  );
  const signingKey =
    share?.signingKey ?? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  const secret = share?.secret ?? randomBytes(32).toString('base64url');
  const ports = {};
  for (const k of [
    'PROXY_HTTP_ADDR',
    'PROXY_GRPC_ADDR',
    'PROXY_DEBUG_ADDR',
    'AUTH_BEARER_HTTP_ADDR',
    'AUTH_BEARER_GRPC_ADDR',
    'AUTH_BEARER_DEBUG_ADDR',
    'AUTH_BASIC_HTTP_ADDR',
    'AUTH_BASIC_GRPC_ADDR',
    'AUTH_BASIC_DEBUG_ADDR',
    'AUTH_APP_HTTP_ADDR',
    'AUTH_APP_GRPC_ADDR',
    'AUTH_APP_DEBUG_ADDR',
    'AUTH_APIKEY_HTTP_ADDR',
    'AUTH_APIKEY_GRPC_ADDR',
    'AUTH_APIKEY_DEBUG_ADDR',
    'WHOAMI_HTTP_ADDR',
  ])
    ports[k] = share && k.startsWith('AUTH_') ? share.ports[k] : `127.0.0.1:${await freePort()}`;
  const child = spawn(process.execPath, [...(extraEnv.NODE_ARGS ?? []), join(root, 'packages/cli/dist/src/main.js'), 'server'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      ...ports,
      PROXY_ROUTES_FILE: routesFile,
      GATEHOUSE_ADMIN_PASSWORD: ADMIN.password,
      GATEHOUSE_DATA_DIR: join(dir, 'data'),
      AUTH_BEARER_SIGNING_KEY: signingKey,
      GATEHOUSE_SECRET: secret,
      // The second proxy serves the same issuer (tokens name the first's public URL).
      ...(share ? { GATEHOUSE_RUN_SERVICES: 'proxy', PUBLIC_URL: share.proxy } : {}),
      LOGIN_STALL_TIME: '0ms',
      // App tokens are opt-in (as in oCIS): the feature is switched on, nothing else is changed.
      ...(share ? {} : { GATEHOUSE_ADD_RUN_SERVICES: 'auth-app' }),
      PROXY_ENABLE_APP_AUTH: 'true',
      ...Object.fromEntries(Object.entries(extraEnv).filter(([k]) => k !== 'NODE_ARGS')),
    },
    // Log lines are written and discarded, as with a log shipper that keeps up.
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  pin(child.pid, PROXY_CORE);
  await waitReady(`http://${ports.PROXY_DEBUG_ADDR}/readyz`);
  const proxy = `http://${ports.PROXY_HTTP_ADDR}`;
  return {
    child,
    ports,
    proxy,
    signingKey,
    secret,
    async login() {
      const r = await fetch(`${proxy}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      });
      if (r.status !== 200) throw new Error(`login: ${r.status} ${await r.text()}`);
      return (await r.json()).data;
    },
    /** RSS and heap of the Gatehouse process, from its /metrics. */
    async memory() {
      const text = await (await fetch(`http://${ports.PROXY_DEBUG_ADDR}/metrics`)).text();
      const m = (name) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)`, 'm').exec(text)?.[1] ?? NaN);
      const entries = Number(/^gatehouse_proxy_cache_entries\{cache="bearer"[^}]*\} ([0-9.e+]+)/m.exec(text)?.[1] ?? NaN);
      return {
        rssMB: m('process_resident_memory_bytes') / 2 ** 20,
        heapMB: m('nodejs_heap_size_used_bytes') / 2 ** 20,
        bearerCacheEntries: entries,
      };
    },
    stop: () =>
      new Promise((res) => {
        if (child.exitCode !== null) return res();
        child.once('exit', res);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}
