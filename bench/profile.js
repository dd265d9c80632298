// `node bench/profile.js [bearer|app|public|cold|undici]`: Gatehouse (defaults) under one load for
// PROFILE_SECONDS (default 10; cold: 40,000 distinct tokens, each used once) with `node --cpu-prof`,
// then its main thread's busy time by part (sockets, node:http, undici, logging, …) in µs per
// request, and the top frames by self time. `undici` profiles the undici pass-through
// (bench/refs/undici-pass-through.js) under the public route's load instead: the HTTP stack alone.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN, startGatehouse } from './lib/gatehouse.js';
import { freePort, httpLoad, startNode, LOAD_CORE, PROXY_CORE } from './lib/procs.js';
import { mintTokens } from './lib/tokens.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const which = process.argv[2] ?? 'bearer';
const seconds = Number(process.env.PROFILE_SECONDS ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'gh-prof-'));
const upstream = await startNode(join(here, 'echo-upstream.js'), ['0'], { core: LOAD_CORE });
const profArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
let requests = 0;
if (which === 'undici') {
  const ref = await startNode(join(here, 'refs/undici-pass-through.js'), [String(await freePort()), `http://127.0.0.1:${upstream.port}`], {
    core: PROXY_CORE,
    execArgv: profArgs,
  });
  const url = `http://127.0.0.1:${ref.port}/bench/public`;
  requests += (await httpLoad({ url, duration: 2 })).total;
  const r = await httpLoad({ url, duration: seconds });
  requests += r.total;
  console.log(`undici pass-through: ${Math.round(r.rps)} req/s, p99 ${r.p99} ms`);
  await ref.stop();
  upstream.stop();
}
const gh = which === 'undici' ? null : await startGatehouse(root, upstream.port, { NODE_ARGS: profArgs });
if (gh)
  try {
    const { access_token: token } = await gh.login();
    let headers = { authorization: `Bearer ${token}` };
    if (which === 'app') {
      const c = await fetch(`${gh.proxy}/auth-app/tokens?expiry=24h&label=profile`, { method: 'POST', headers });
      headers = { authorization: `Basic ${Buffer.from(`${ADMIN.email}:${(await c.json()).token}`).toString('base64')}` };
    }
    if (which === 'public') headers = {};
    const url = `${gh.proxy}/bench/${which === 'public' ? 'public' : 'protected'}`;
    requests += (await httpLoad({ url, headers, duration: 2 })).total;
    let r;
    if (which === 'cold') {
      const tokensFile = join(dir, 'tokens');
      writeFileSync(tokensFile, (await mintTokens(gh.signingKey, token, 40_000)).join('\n'));
      r = await httpLoad({ url, tokensFile });
    } else r = await httpLoad({ url, headers, duration: seconds });
    requests += r.total;
    console.log(`${which}: ${Math.round(r.rps)} req/s, p99 ${r.p99} ms, non-2xx ${r.non2xx}`);
  } finally {
    await gh.stop();
    upstream.stop();
  }
// The main thread's profile (worker threads, the hash workers, write their own).
const file = readdirSync(dir).find((f) => /\.0\.0*1\.cpuprofile$/.test(f)) ?? readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
const prof = JSON.parse(readFileSync(join(dir, file), 'utf8'));
const dt = (prof.endTime - prof.startTime) / prof.samples.length / 1000; // ms per sample
const self = new Map();
let total = 0;
for (const n of prof.nodes) {
  const cf = n.callFrame;
  const path = cf.url.startsWith('file:') ? relative(root, fileURLToPath(cf.url)) : cf.url;
  const where = path ? `${path.replace(/^node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')}:${cf.lineNumber + 1}` : '';
  const key = `${cf.functionName || '(anonymous)'} ${where}`;
  self.set(key, (self.get(key) ?? 0) + n.hitCount * dt);
  if (cf.functionName !== '(idle)') total += n.hitCount * dt;
}
console.log(`profile ${join(dir, file)}; busy ${total.toFixed(0)} ms`);

// Busy time by part, first match wins (module loading at start-up left out).
const PARTS = [
  ['start-up (module loading)', (f) => /^(wrapSafe|compileSourceTextModule|compileFunction)$/.test(f)],
  ['GC and V8 internals', (f) => f === '(garbage collector)' || f === '(program)'],
  [
    'socket writes (syscalls)',
    (f) => /^(writev|writeBuffer|writeLatin1String|writeUtf8String|writevGeneric|handleWriteReq|createWriteWrap)$/.test(f),
  ],
  ['log line write (stdout)', (f) => f === 'writeString'],
  ['undici (upstream HTTP/1.1 client)', (f, u) => u.includes('/undici/') || u.startsWith('wasm')],
  ['logging (pino, scrub, access line)', (f, u) => /\/(pino|sonic-boom)\/|logging\/scrub|shared\/dist\/logger|access-log/.test(u)],
  ['metrics (prom-client)', (f, u) => u.includes('/prom-client/') || u.includes('proxy-metrics')],
  ['crypto (hashes, signatures)', (f, u) => u.includes('internal/crypto') || u.includes('jwt/signature') || u.includes('/jose/')],
  ['Gatehouse proxy code', (f, u) => u.includes('services/proxy/')],
  ['Gatehouse shared code', (f, u) => u.includes('packages/shared/')],
  [
    'node:http server, streams, events',
    (f, u) => /_http_|node:http|internal\/http|node:net|stream|node:events|timers|task_queues/.test(u) || f === 'runMicrotasks',
  ],
];
const parts = new Map();
let counted = 0;
for (const n of prof.nodes) {
  const { functionName: f, url: u } = n.callFrame;
  if (f === '(idle)') continue;
  const part = (PARTS.find(([, t]) => t(f, u)) ?? ['other (native frames, regexps)'])[0];
  parts.set(part, (parts.get(part) ?? 0) + n.hitCount);
  if (!part.startsWith('start-up')) counted += n.hitCount;
}
console.log(`busy time by part, over ${requests} requests (µs per request, under the profiler):`);
for (const [part, hits] of [...parts].sort((a, b) => b[1] - a[1]))
  if (!part.startsWith('start-up'))
    console.log(
      `${((100 * hits) / counted).toFixed(1).padStart(5)} %  ${((hits * dt * 1000) / requests).toFixed(1).padStart(6)} µs  ${part}`,
    );
console.log('top frames by self time:');
for (const [k, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.PROFILE_TOP ?? 30)))
  console.log(`${((100 * ms) / total).toFixed(1).padStart(5)} %  ${k}`);
