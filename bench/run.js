// `make bench`: Gatehouse side by side with the references, as paired ratios (see docs/performance.md).
//   QUICK=1        fewer rounds, shorter runs, no 5-minute memory scenario (< 3 minutes)
//   BENCH_SMOKE=1  every scenario starts and answers once (seconds; the smoke test in `make test`)
//   BENCH_ROUNDS, BENCH_DURATION (s), BENCH_CONNECTIONS, BENCH_MEMORY_MINUTES override the mode's defaults.
// Each round runs every throughput scenario once, interleaved; a figure is the median over the
// rounds of its ratio to the reference measured in the same round. Proxies (Gatehouse and the
// references) are pinned to core 0, the upstream and the load generators to core 1 (taskset).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN, startGatehouse } from './lib/gatehouse.js';
import { bcryptRate, freePort, grpcLoad, httpLoad, LOAD_CORE, pin, pinning, PROXY_CORE, startNode } from './lib/procs.js';
import { mintTokens } from './lib/tokens.js';
import { svgChart } from './chart.js';
import { loggerCost } from './logger-cost.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const SMOKE = process.env.BENCH_SMOKE === '1';
const QUICK = SMOKE || process.env.QUICK === '1';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (SMOKE ? 1 : QUICK ? 3 : 5));
const DURATION = Number(process.env.BENCH_DURATION ?? (SMOKE ? 0.5 : QUICK ? 2 : 5));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const COLD_TOKENS = SMOKE ? 100 : QUICK ? 2_000 : 10_000;
const APP_TOKENS = SMOKE ? 5 : QUICK ? 300 : 1_000;
// The smoke run measures nothing: cheap password hashes keep its logins fast. Measured runs keep
// the default cost (11), which the login storm's reference uses too.
const BCRYPT_COST = SMOKE ? 4 : 11;
const SMOKE_ENV = SMOKE ? { BCRYPT_COST: String(BCRYPT_COST) } : {};
const GRPC_IN_FLIGHT = SMOKE ? 2 : 32;
const MEMORY_MINUTES = Number(process.env.BENCH_MEMORY_MINUTES ?? (QUICK ? 0 : 5));
const started = Date.now();
const log = (m) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0)}s] ${m}\n`);
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round2 = (x) => (x == null ? null : Math.round(x * 100) / 100);
pin(process.pid, LOAD_CORE);
const failures = [];
if (process.env.BENCH_ONLY === 'revocation') {
  // Development aid: the revocation scenario alone.
  console.log(JSON.stringify(await revocationPropagation(Number(process.env.BENCH_REVOCATIONS ?? 5))));
  process.exit(0);
}
if (process.env.BENCH_ONLY === 'login') {
  const u = await startNode(join(here, 'echo-upstream.js'), ['0'], { core: LOAD_CORE });
  const x = await startGatehouse(root, u.port);
  try {
    const t = (await x.login()).access_token;
    console.log(JSON.stringify(await loginStorm(x, { authorization: `Bearer ${t}` }, cpus().length)), failures);
  } finally {
    await x.stop();
    u.stop();
  }
  process.exit(0);
}

const upstream = await startNode(join(here, 'echo-upstream.js'), ['0'], { core: LOAD_CORE });
const up = `http://127.0.0.1:${upstream.port}`;
log('starting gatehouse (defaults: LOG_LEVEL=info, access log on, output discarded)');
const gh = await startGatehouse(root, upstream.port, SMOKE_ENV);
const stops = [() => upstream.stop(), () => gh.stop()];
const results = { rounds: [], scenarios: {} };

try {
  const session = await gh.login();
  const token = session.access_token;
  const jwks = `${gh.proxy}/.well-known/jwks.json`;
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  const refArgs = [up, jwks, claims.iss, Array.isArray(claims.aud) ? claims.aud[0] : claims.aud];
  const refs = {};
  for (const [name, script, mode] of [
    ['passthrough', 'refs/pass-through.js', 'plain'],
    ['jose', 'refs/pass-through.js', 'jose'],
    ['lru', 'refs/pass-through.js', 'lru'],
    ['express', 'refs/express-gateway.js', undefined],
    ['undici', 'refs/undici-pass-through.js', undefined],
  ]) {
    refs[name] = await startNode(join(here, script), [String(await freePort()), ...refArgs], { core: PROXY_CORE, env: { MODE: mode } });
    stops.push(() => refs[name].stop());
  }
  const at = (name) => `http://127.0.0.1:${refs[name].port}/bench/protected`;

  // An app token over Basic (created through the proxy, as a user would).
  const created = await fetch(`${gh.proxy}/auth-app/tokens?expiry=24h&label=bench`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  if (created.status !== 201) throw new Error(`app token: ${created.status} ${await created.text()}`);
  const appToken = (await created.json()).token;
  const basic = `Basic ${Buffer.from(`${ADMIN.email}:${appToken}`).toString('base64')}`;

  const bearer = { authorization: `Bearer ${token}` };
  const warm = [
    { key: 'passthrough', url: at('passthrough') },
    { key: 'jose', url: at('jose'), headers: bearer },
    { key: 'lru', url: at('lru'), headers: bearer },
    { key: 'express', url: at('express'), headers: bearer },
    { key: 'undici', url: at('undici') },
    { key: 'gh_public', url: `${gh.proxy}/bench/public` },
    { key: 'gh_bearer', url: `${gh.proxy}/bench/protected`, headers: bearer },
    { key: 'gh_app', url: `${gh.proxy}/bench/protected`, headers: { authorization: basic } },
  ];
  // Warm-up: JIT, keep-alive pools, caches.
  if (!SMOKE) {
    for (const s of warm) await httpLoad({ url: s.url, headers: s.headers, connections: CONNECTIONS, duration: 1 });
    // The cold path too (verification, cache inserts), so round 1 does not pay its compilation.
    for (const url of [at('jose'), `${gh.proxy}/bench/protected`]) {
      const file = join(tmpdir(), `gh-bench-tokens-${process.pid}-warm`);
      writeFileSync(file, (await mintTokens(gh.signingKey, token, 1000)).join('\n'));
      await httpLoad({ url, connections: CONNECTIONS, tokensFile: file });
    }
  }
  const warmMemory = await gh.memory();

  for (let r = 0; r < ROUNDS; r++) {
    log(`round ${r + 1}/${ROUNDS}`);
    const round = {};
    for (const s of warm) round[s.key] = await httpLoad({ url: s.url, headers: s.headers, connections: CONNECTIONS, duration: DURATION });
    // Cold: fresh distinct valid tokens, each used once, for Gatehouse and for jose per request.
    for (const [key, url] of [
      ['jose_cold', at('jose')],
      ['gh_cold', `${gh.proxy}/bench/protected`],
    ]) {
      const file = join(tmpdir(), `gh-bench-tokens-${process.pid}-${key}-${r}`);
      writeFileSync(file, (await mintTokens(gh.signingKey, token, COLD_TOKENS)).join('\n'));
      round[key] = await httpLoad({ url, connections: CONNECTIONS, tokensFile: file });
    }
    for (const [k, v] of Object.entries(round))
      if (v.non2xx > 0 || v.errors > 0) failures.push(`round ${r + 1} ${k}: ${v.non2xx} non-2xx, ${v.errors} errors`);
    results.rounds.push(round);
  }

  // Target 3: first use of each of an account's app tokens (the account holds APP_TOKENS of them).
  log(`app tokens: ${APP_TOKENS} on one account, each used once`);
  const appTokens = [];
  // The account already holds the warm scenarios' token; AUTH_APP_MAX_TOKENS_PER_USER is 1,000.
  for (let i = 1; i < APP_TOKENS; i++) {
    const c = await fetch(`${gh.proxy}/auth-app/tokens?expiry=24h&label=first-use-${i}`, { method: 'POST', headers: bearer });
    if (c.status !== 201) throw new Error(`app token ${i}: ${c.status}`);
    appTokens.push((await c.json()).token);
  }
  const firstUse = [];
  for (const t of appTokens) {
    const t0 = process.hrtime.bigint();
    const res = await fetch(`${gh.proxy}/bench/protected`, {
      headers: { authorization: `Basic ${Buffer.from(`${ADMIN.email}:${t}`).toString('base64')}` },
    });
    await res.arrayBuffer();
    firstUse.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (res.status !== 200) failures.push(`app token first use: ${res.status}`);
  }
  firstUse.sort((a, b) => a - b);
  results.scenarios.appFirstUse = {
    n: firstUse.length,
    p50: firstUse[Math.floor(firstUse.length / 2)],
    p99: firstUse[Math.floor(firstUse.length * 0.99)],
  };

  // Target 7: the gRPC entry against the owning service called directly (32 in flight).
  log('gRPC: CheckToken and RefreshToken, through the entry and direct');
  // One session per in-flight slot (a refresh rotates its chain); four logins at a time, below
  // the account's five free attempts in flight.
  const chains = async () => {
    const out = [];
    while (out.length < GRPC_IN_FLIGHT) {
      const batch = Math.min(4, GRPC_IN_FLIGHT - out.length);
      out.push(...(await Promise.all(Array.from({ length: batch }, () => gh.login()))).map((x) => x.refresh_token));
    }
    return out;
  };
  let viaEntry = await chains();
  let direct = await chains();
  const grpc = { check_entry: [], check_direct: [], refresh_entry: [], refresh_direct: [] };
  for (let r = 0; r < (SMOKE ? 1 : Math.min(ROUNDS, 3)); r++) {
    const d = { duration: DURATION, inFlight: GRPC_IN_FLIGHT };
    grpc.check_entry.push(await grpcLoad({ ...d, method: 'CheckToken', addr: gh.ports.PROXY_GRPC_ADDR, token }));
    grpc.check_direct.push(await grpcLoad({ ...d, method: 'CheckToken', addr: gh.ports.AUTH_BEARER_GRPC_ADDR, token }));
    const e = await grpcLoad({ ...d, method: 'RefreshToken', addr: gh.ports.PROXY_GRPC_ADDR, refreshTokens: viaEntry });
    const x = await grpcLoad({ ...d, method: 'RefreshToken', addr: gh.ports.AUTH_BASIC_GRPC_ADDR, refreshTokens: direct });
    viaEntry = e.refreshTokens;
    direct = x.refreshTokens;
    grpc.refresh_entry.push(e);
    grpc.refresh_direct.push(x);
  }
  for (const [k, runs] of Object.entries(grpc))
    for (const v of runs) if (v.errors > 0) failures.push(`gRPC ${k}: ${v.errors} errors (${v.firstError})`);
  results.scenarios.grpc = grpc;

  // Target 5: a login storm against raw bcryptjs at the same cost on the same number of threads,
  // and /whoami's p99 during the storm against idle (same process). Both cores: the hash workers
  // are threads of the Gatehouse process.
  results.scenarios.login = [await loginStorm(gh, bearer, cpus().length)];

  // Target 8: memory after warm-up, and after MEMORY_MINUTES of warm and cold Bearer mixed.
  let afterMemory = null;
  let beforeSoak = null;
  if (MEMORY_MINUTES > 0) {
    // The baseline is taken once the rounds' cold tokens have filled the Bearer cache: growth from
    // here is what a steady mix adds, not the caches filling up to their bounds.
    beforeSoak = await gh.memory();
    log(`memory: ${MEMORY_MINUTES} minutes of warm and cold Bearer`);
    const end = Date.now() + MEMORY_MINUTES * 60_000;
    const sets = [];
    for (let i = 0; i < 3; i++) {
      const file = join(tmpdir(), `gh-bench-tokens-${process.pid}-mem-${i}`);
      writeFileSync(file, (await mintTokens(gh.signingKey, token, 10_000)).join('\n'));
      sets.push(file);
    }
    for (let i = 0; Date.now() < end; i++) {
      await httpLoad({ url: `${gh.proxy}/bench/protected`, headers: bearer, connections: CONNECTIONS, duration: 5 });
      await httpLoad({ url: `${gh.proxy}/bench/protected`, connections: CONNECTIONS, tokensFile: sets[i % 3] });
    }
    afterMemory = await gh.memory();
    if (!(afterMemory.bearerCacheEntries <= 10_000))
      failures.push(`Bearer cache holds ${afterMemory.bearerCacheEntries} entries, over its bound`);
  }
  results.scenarios.memory = { warm: warmMemory, beforeSoak, after: afterMemory, minutes: MEMORY_MINUTES };
} finally {
  for (const s of stops.reverse()) await s();
}

// The login storm with one hash worker fewer than the cores, on a fresh instance (full run only).
if (!QUICK && cpus().length > 1) {
  const up2 = await startNode(join(here, 'echo-upstream.js'), ['0'], { core: LOAD_CORE });
  const fewer = await startGatehouse(root, up2.port, { AUTH_BASIC_HASH_WORKERS: String(cpus().length - 1) });
  try {
    const t = (await fewer.login()).access_token;
    results.scenarios.login.push(await loginStorm(fewer, { authorization: `Bearer ${t}` }, cpus().length - 1));
  } finally {
    await fewer.stop();
    up2.stop();
  }
}

// Target 6: revocation propagation to two proxy instances sharing Redis and NATS.
results.scenarios.revocation = await revocationPropagation(SMOKE ? 2 : QUICK ? 20 : 200);

async function loginStorm(instance, bearerHeaders, workers) {
  log(`login storm (${workers} hash workers)`);
  // The storm signs in as its own user: each user keeps at most AUTH_BEARER_MAX_SESSIONS_PER_USER
  // (100) sessions, and the storm must not end the session of the /whoami token.
  const stormUser = { email: 'storm@example.com', password: 'benchmark storm password 1' };
  const created = await fetch(`${instance.proxy}/users`, {
    method: 'POST',
    headers: { ...bearerHeaders, 'content-type': 'application/json' },
    body: JSON.stringify(stormUser),
  });
  if (created.status !== 200) throw new Error(`storm user: ${created.status} ${await created.text()}`);
  pin(instance.child.pid, `${PROXY_CORE},${LOAD_CORE}`);
  try {
    const whoami = { url: `${instance.proxy}/whoami`, headers: bearerHeaders, connections: 4, duration: DURATION };
    const idle = await httpLoad(whoami);
    const storm = httpLoad({
      url: `${instance.proxy}/auth/login`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(stormUser),
      // One account: at most 5 attempts in flight count as free (LOGIN_ACCOUNT_FREE_ATTEMPTS);
      // 4 keep every hash worker busy without being throttled.
      connections: 4,
      duration: DURATION + 1,
    });
    await new Promise((r) => setTimeout(r, 500));
    const during = await httpLoad(whoami);
    const logins = await storm;
    const raw = await bcryptRate({ workers, cost: BCRYPT_COST, duration: Math.max(DURATION, 2) });
    for (const [k, v] of Object.entries({ idle, during, logins }))
      if (v.non2xx > 0 || v.errors > 0) failures.push(`login storm ${k}: ${v.non2xx} non-2xx, ${v.errors} errors`);
    return { workers, logins, raw, idle, during };
  } finally {
    pin(instance.child.pid, PROXY_CORE);
  }
}

/**
 * From a logout's answer to the first 401 at each of two proxies (one Redis, one NATS): each
 * proxy is polled with the revoked token, one request after another, until it refuses it.
 */
async function revocationPropagation(n) {
  log(`revocation: ${n} logouts, two proxies over Redis and NATS`);
  const { startRedis, startNats } = await import('../packages/shared/dist/testing/index.js');
  const redis = await startRedis();
  const nats = await startNats();
  const up3 = await startNode(join(here, 'echo-upstream.js'), ['0'], { core: LOAD_CORE });
  const env = { ...SMOKE_ENV, REDIS_URL: redis.url, NATS_URL: nats.url };
  const a = await startGatehouse(root, up3.port, env);
  const b = await startGatehouse(root, up3.port, env, a);
  const at = { a: [], b: [] };
  try {
    for (let i = 0; i < n; i++) {
      const session = await a.login();
      const h = { authorization: `Bearer ${session.access_token}` };
      for (const x of [a, b])
        if ((await fetch(`${x.proxy}/bench/protected`, { headers: h })).status !== 200) throw new Error('token not accepted before logout');
      const out = await fetch(`${a.proxy}/auth/logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: session.refresh_token }),
      });
      const t0 = process.hrtime.bigint();
      if (out.status >= 300) throw new Error(`logout: ${out.status}`);
      await Promise.all(
        [
          [a, at.a],
          [b, at.b],
        ].map(async ([x, into]) => {
          for (;;) {
            const r = await fetch(`${x.proxy}/bench/protected`, { headers: h });
            await r.arrayBuffer();
            if (r.status === 401) return into.push(Number(process.hrtime.bigint() - t0) / 1e6);
            if (Number(process.hrtime.bigint() - t0) > 5e9) return into.push(Infinity);
          }
        }),
      );
    }
  } finally {
    await b.stop();
    await a.stop();
    up3.stop();
    await nats.stop();
    await redis.stop();
  }
  const q = (xs, p) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  return { n, a: { p50: q(at.a, 0.5), p99: q(at.a, 0.99) }, b: { p50: q(at.b, 0.5), p99: q(at.b, 0.99) } };
}

// ---- figures ----
const ratio = (a, b) => median(results.rounds.map((r) => r[a].rps / r[b].rps));
const perRound = (a, b) => results.rounds.map((r) => round2(r[a].rps / r[b].rps)).join(' / ');
const rpsRange = (k) => {
  const xs = results.rounds.map((r) => Math.round(r[k].rps));
  return `${Math.min(...xs)}–${Math.max(...xs)}`;
};
const rows = [];
const add = (label, value, target, better, detail, chart = true) =>
  rows.push({ label, value: value == null || !Number.isFinite(value) ? null : round2(value), target, better, detail, chart });
add('minimal pass-through proxy (reference)', 1, null, 'higher', `${rpsRange('passthrough')} req/s`);
add('pass-through + jose ES256 verify per request', ratio('jose', 'passthrough'), null, 'higher', perRound('jose', 'passthrough'));
add('pass-through + LRU of verified tokens', ratio('lru', 'passthrough'), null, 'higher', perRound('lru', 'passthrough'));
add('express + jose + http-proxy-middleware 3.0', ratio('express', 'passthrough'), null, 'higher', perRound('express', 'passthrough'));
add(
  "the pass-through on undici (Gatehouse's client), not a reference",
  ratio('undici', 'passthrough'),
  null,
  'higher',
  perRound('undici', 'passthrough'),
);
add('1. Gatehouse, public route', ratio('gh_public', 'passthrough'), 0.97, 'higher', perRound('gh_public', 'passthrough'));
add('1. Gatehouse, Bearer, warm', ratio('gh_bearer', 'passthrough'), 0.95, 'higher', perRound('gh_bearer', 'passthrough'));
add('1. Gatehouse, app token over Basic, warm', ratio('gh_app', 'passthrough'), 0.9, 'higher', perRound('gh_app', 'passthrough'));
add(
  '1. added p99 latency, Bearer warm (ms)',
  median(results.rounds.map((r) => r.gh_bearer.p99 - r.passthrough.p99)),
  1,
  'lower',
  results.rounds.map((r) => `${r.gh_bearer.p99}−${r.passthrough.p99}`).join(' / '),
  false,
);
add(
  '2. Bearer cold ÷ pass-through + jose per request',
  ratio('gh_cold', 'jose_cold'),
  0.9,
  'higher',
  `${perRound('gh_cold', 'jose_cold')} (${COLD_TOKENS} tokens)`,
);
const af = results.scenarios.appFirstUse;
add(`3. app token first use, ${af.n} on the account: p99 (ms)`, af.p99, 5, 'lower', `p50 ${round2(af.p50)} ms`, false);
add('4. Gatehouse Bearer warm ÷ express + jose + hpm', ratio('gh_bearer', 'express'), 6, 'higher', perRound('gh_bearer', 'express'));
for (const l of results.scenarios.login)
  add(
    `5. logins ÷ raw bcryptjs compares, ${l.workers} hash worker(s)`,
    l.logins.rps / l.raw.rps,
    0.85,
    'higher',
    `${l.logins.rps.toFixed(1)}/s vs ${l.raw.rps.toFixed(1)}/s; /whoami p99 ${l.during.p99} ms in the storm, ${l.idle.p99} ms idle (${(l.during.p99 / Math.max(1, l.idle.p99)).toFixed(1)} ×, target ≤ 2 ×)`,
  );
const rv = results.scenarios.revocation;
add(
  `6. revocation propagation p99, two proxies (ms)`,
  Math.max(rv.a.p99, rv.b.p99),
  20,
  'lower',
  `${rv.n} logouts; p50/p99 ${round2(rv.a.p50)}/${round2(rv.a.p99)} ms at the proxy that took the logout, ${round2(rv.b.p50)}/${round2(rv.b.p99)} ms at the other`,
  false,
);
const g = results.scenarios.grpc;
const gr = (a, b) => median(g[a].map((x, i) => x.rps / g[b][i].rps));
const gpr = (a, b) => g[a].map((x, i) => `${Math.round(x.rps)}/${Math.round(g[b][i].rps)}`).join(' ');
add('7. gRPC CheckToken, entry ÷ direct', gr('check_entry', 'check_direct'), 0.7, 'higher', gpr('check_entry', 'check_direct'));
add('7. gRPC RefreshToken, entry ÷ direct', gr('refresh_entry', 'refresh_direct'), 0.7, 'higher', gpr('refresh_entry', 'refresh_direct'));
const mem = results.scenarios.memory;
const growth = mem.after ? mem.after.rssMB / mem.beforeSoak.rssMB - 1 : null;
add(
  `8. RSS growth after ${mem.minutes} min (%)`,
  growth == null ? null : growth * 100,
  10,
  'lower',
  `after warm-up ${mem.warm.rssMB.toFixed(0)} MB RSS, ${mem.warm.heapMB.toFixed(0)} MB heap${mem.after ? `; before the soak ${mem.beforeSoak.rssMB.toFixed(0)} MB RSS, ${mem.beforeSoak.heapMB.toFixed(0)} MB heap; after ${mem.after.rssMB.toFixed(0)} MB RSS, ${mem.after.heapMB.toFixed(0)} MB heap, ${mem.after.bearerCacheEntries} Bearer cache entries (bound 10,000)` : ' (QUICK: no soak)'}`,
  false,
);
const logCost = SMOKE ? null : loggerCost(50_000);
if (logCost)
  add('one access-log line, shared logger (µs)', logCost.sharedUs, null, 'lower', `bare pino ${logCost.barePinoUs.toFixed(2)} µs`, false);
for (const r of rows)
  r.met = r.value == null || r.target == null ? null : r.better === 'higher' ? r.value >= r.target : r.value <= r.target;

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GB, Node ${process.version}, ${pinning ? 'pinned: proxies core 0, upstream and load core 1' : 'not pinned (no taskset)'}`;
const mode = `${SMOKE ? 'SMOKE' : QUICK ? 'QUICK' : 'full'}: ${ROUNDS} rounds × ${DURATION} s, ${CONNECTIONS} connections`;
console.table(rows.map((r) => ({ scenario: r.label, figure: r.value, target: r.target, met: r.met, runs: r.detail })));
const md = [
  `| scenario | figure | target | met | per round |`,
  `| --- | --- | --- | --- | --- |`,
  ...rows.map(
    (r) =>
      `| ${r.label} | ${r.value ?? '—'} | ${r.target == null ? '' : `${r.better === 'higher' ? '≥' : '≤'} ${r.target}`} | ${r.met == null ? '' : r.met ? 'yes' : '**MISS**'} | ${r.detail} |`,
  ),
  '',
  `${new Date().toISOString()} · ${mode} · ${machine}`,
  '',
].join('\n');
// The smoke test (packages/cli/test/bench-smoke.int.test.ts) reads this line.
if (SMOKE) console.log(`BENCH_SMOKE_RESULT ${JSON.stringify({ rows, failures })}`);
if (!SMOKE) {
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(
    join(here, 'results', 'latest.json'),
    JSON.stringify({ date: new Date().toISOString(), mode, machine, rows, raw: results, failures }, null, 2),
  );
  writeFileSync(join(here, 'results', 'latest.md'), md);
  writeFileSync(
    join(here, 'results', 'latest.svg'),
    svgChart(
      rows.filter((r) => r.chart).map((r) => ({ label: r.label, ratio: r.value, target: r.target })),
      `Gatehouse vs references: ratios (${mode})`,
    ),
  );
  // The chart docs/performance.md shows: the latest run's.
  writeFileSync(join(root, 'docs', 'performance.svg'), readFileSync(join(here, 'results', 'latest.svg')));
  // …and its table, between the markers of docs/performance.md.
  const doc = join(root, 'docs', 'performance.md');
  const text = readFileSync(doc, 'utf8');
  const [open, close] = ['<!-- bench-table -->', '<!-- /bench-table -->'];
  if (text.includes(open) && text.includes(close))
    writeFileSync(doc, `${text.slice(0, text.indexOf(open) + open.length)}\n${md}${text.slice(text.indexOf(close))}`);
  log('written bench/results/latest.{json,md,svg}, docs/performance.svg and its table');
}
if (failures.length > 0) {
  console.error(`failed requests make these figures incomparable:\n${failures.join('\n')}`);
  process.exitCode = 1;
}
log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
