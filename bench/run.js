// `make bench`: the proxy's cost, as ratios against a reference measured in the same run.
//   reference        autocannon → echo upstream directly
//   proxy, public    autocannon → proxy → echo (no credential: routing, header hygiene, streaming)
//   proxy, bearer    autocannon → proxy → echo with an access token (local JWT verification with
//                    the in-process cache, revocation check, signed identity header)
// Columns: `ratio` against the reference; `vs_public` the bearer route against the public one (the
// cost of authentication on top of pass-through, the figure TOOLCHAIN.md quotes). Each scenario runs
// BENCH_ROUNDS (default 2) times interleaved and the best run is reported; `runs` lists them all.
// The runtime (`gatehouse server`, embedded default) and the upstream run as separate processes,
// so the load generator does not share an event loop with what it measures.
import { fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));

const freePort = () =>
  new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

async function waitReady(url, ms = 30_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready: ${url}`);
}

const run = (title, opts) =>
  new Promise((res, rej) => {
    autocannon({ duration: DURATION, connections: CONNECTIONS, pipelining: 1, ...opts }, (err, r) =>
      err ? rej(err) : res({ title, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors }),
    );
  });

const upstream = fork(join(here, 'echo-upstream.js'), ['0'], { stdio: 'ignore' });
const upstreamPort = await new Promise((r) => upstream.once('message', (m) => r(m.port)));

// The shipped routes plus two bench routes to the echo upstream.
const routesFile = join(mkdtempSync(join(tmpdir(), 'gh-bench-')), 'routes.yaml');
const shipped = readFileSync(join(root, 'services/proxy/routes.yaml'), 'utf8');
writeFileSync(
  routesFile,
  `${shipped}\n  - { prefix: /bench/public, upstream: "http://127.0.0.1:${upstreamPort}", public: true }\n  - { prefix: /bench/protected, upstream: "http://127.0.0.1:${upstreamPort}" }\n`,
);

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
  'WHOAMI_HTTP_ADDR',
])
  ports[k] = `127.0.0.1:${await freePort()}`;
const password = 'benchmark admin password 1';
const runtime = spawn(process.execPath, [join(root, 'packages/cli/dist/src/main.js'), 'server'], {
  env: {
    PATH: process.env.PATH,
    ...ports,
    PROXY_ROUTES_FILE: routesFile,
    GATEHOUSE_ADMIN_PASSWORD: password,
    GATEHOUSE_DATA_DIR: mkdtempSync(join(tmpdir(), 'gh-bench-data-')),
    LOG_LEVEL: 'error',
    LOGIN_STALL_TIME: '0ms',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});

try {
  await waitReady(`http://${ports.PROXY_DEBUG_ADDR}/readyz`);
  const login = await fetch(`http://${ports.PROXY_HTTP_ADDR}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@example.com', password }),
  });
  const token = (await login.json()).data.access_token;
  const proxy = `http://${ports.PROXY_HTTP_ADDR}`;

  // Each scenario runs ROUNDS times, interleaved (ref, public, bearer, ref, ...), and the best run
  // counts: on a shared box noise only ever slows a run down, so the best is the least disturbed.
  const scenarios = [
    { key: 'reference', title: 'reference: echo upstream directly', opts: { url: `http://127.0.0.1:${upstreamPort}/bench/public` } },
    { key: 'public', title: 'proxy, public route', opts: { url: `${proxy}/bench/public` } },
    {
      key: 'bearer',
      title: 'proxy, bearer token (cached verification)',
      opts: { url: `${proxy}/bench/protected`, headers: { authorization: `Bearer ${token}` } },
    },
  ];
  const runs = Object.fromEntries(scenarios.map((s) => [s.key, []]));
  for (let i = 0; i < ROUNDS; i++) for (const s of scenarios) runs[s.key].push(await run(s.title, s.opts));
  const best = (key) => runs[key].reduce((a, b) => (b.rps > a.rps ? b : a));
  const results = scenarios.map((s) => ({ ...best(s.key), runs: runs[s.key].map((r) => Math.round(r.rps)).join(' / ') }));
  const ref = results[0].rps;
  const pub = results[1].rps;
  // ratio: against the upstream measured directly; vs_public: the bearer route against the public
  // one, i.e. what authentication (cached verification, revocation check, signed identity) costs.
  const table = results.map((r, i) => ({
    ...r,
    rps: Math.round(r.rps),
    ratio: Number((r.rps / ref).toFixed(3)),
    vs_public: i === 0 ? null : Number((r.rps / pub).toFixed(3)),
  }));
  // Failures in any run make the figures incomparable, not only in the best one.
  const failed = Object.values(runs)
    .flat()
    .some((r) => r.non2xx > 0 || r.errors > 0);
  console.table(table);
  mkdirSync(join(here, 'results'), { recursive: true });
  const file = join(here, 'results', `proxy-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        durationSec: DURATION,
        connections: CONNECTIONS,
        rounds: ROUNDS,
        results: table,
        all: runs,
      },
      null,
      2,
    ),
  );
  console.log(`written to ${file}`);
  if (failed) {
    console.error('some requests failed: the figures are not comparable');
    process.exitCode = 1;
  }
} finally {
  runtime.kill('SIGTERM');
  upstream.kill('SIGTERM');
}
