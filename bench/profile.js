// `node bench/profile.js [bearer|app|public]`: Gatehouse (defaults) under one warm load for
// PROFILE_SECONDS (default 10) with `node --cpu-prof`, then the top frames by self time.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN, startGatehouse } from './lib/gatehouse.js';
import { httpLoad, startNode, LOAD_CORE } from './lib/procs.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const which = process.argv[2] ?? 'bearer';
const seconds = Number(process.env.PROFILE_SECONDS ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'gh-prof-'));
const upstream = await startNode(join(here, 'echo-upstream.js'), ['0'], { core: LOAD_CORE });
const gh = await startGatehouse(root, upstream.port, { NODE_ARGS: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
try {
  const { access_token: token } = await gh.login();
  let headers = { authorization: `Bearer ${token}` };
  if (which === 'app') {
    const c = await fetch(`${gh.proxy}/auth-app/tokens?expiry=24h&label=profile`, { method: 'POST', headers });
    headers = { authorization: `Basic ${Buffer.from(`${ADMIN.email}:${(await c.json()).token}`).toString('base64')}` };
  }
  if (which === 'public') headers = {};
  const url = `${gh.proxy}/bench/${which === 'public' ? 'public' : 'protected'}`;
  await httpLoad({ url, headers, duration: 2 });
  const r = await httpLoad({ url, headers, duration: seconds });
  console.log(`${which}: ${Math.round(r.rps)} req/s, p99 ${r.p99} ms, non-2xx ${r.non2xx}`);
} finally {
  await gh.stop();
  upstream.stop();
}
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
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
for (const [k, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.PROFILE_TOP ?? 30)))
  console.log(`${((100 * ms) / total).toFixed(1).padStart(5)} %  ${k}`);
