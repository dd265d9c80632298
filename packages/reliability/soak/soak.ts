import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from '@gatehouse/shared/testing';
import { basic, bearer, call, createUsers, login, type Answer, type Tokens } from '../src/client.js';
import { heapAfterGc } from '../src/heap.js';
import { quantile } from '../src/ks-test.js';
import { startProcessStack, until, type ProcessStack, type ServiceName } from '../src/process-stack.js';
import { startRecordingUpstream } from '../src/recording-upstream.js';
import { startRestartableNats, startRestartableRedis } from '../src/servers.js';

// `make soak`: mixed load through the proxy for SOAK_MINUTES (default 10): Bearer and app-token
// requests, logins, refreshes, session and app-token revocations, with Redis restarted at 40 % of
// the run and NATS at 60 %. Every service is its own process. Reports errors by kind, p99 per
// minute, heap after GC at the start (after a warm-up) and at the end, the revoked credentials
// accepted and the unauthenticated forwards; fails (exit 1) unless the last two are 0 and every
// service's heap grew by less than 10 %. Writes bench/results/soak-latest.md.
const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const DURATION_MS = MINUTES * 60_000;
const WARMUP_MS = Math.min(60_000, DURATION_MS * 0.15);
// The proxy's defaults: a revocation is refused within MAX_STALENESS + STORE_CACHE_TTL even while NATS is down.
const REVOCATION_BOUND_MS = 5000 + 1000;
const OUTAGE_MS = 3000;
const USERS = 20;
const SERVICES: ServiceName[] = ['auth-bearer', 'auth-basic', 'auth-app', 'proxy'];

interface Revoked {
  kind: 'session' | 'app token';
  headers: Record<string, string>;
  at: number;
}

const started = Date.now();
const log = (msg: string) => process.stdout.write(`[soak ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);

async function main(): Promise<number> {
  const [redis, nats, upstream] = await Promise.all([
    startRestartableRedis({ aof: true }),
    startRestartableNats(),
    startRecordingUpstream(),
  ]);
  const inspect: Record<string, number> = {};
  for (const s of SERVICES) inspect[s] = await freePort();
  let stack: ProcessStack | undefined;
  try {
    stack = await startProcessStack({
      services: SERVICES,
      redisUrl: redis.url,
      natsUrl: nats.url,
      upstreamUrl: upstream.url,
      env: {
        PROXY_ENABLE_APP_AUTH: 'true',
        // Named for the soak: cheap hashes and a short stall keep the load on the proxy's paths; access
        // tokens of 2 minutes let the token cache reach its steady size during the warm-up.
        BCRYPT_COST: '4',
        LOGIN_STALL_TIME: '20ms',
        ACCESS_TOKEN_TTL: '2m',
        AUTH_BEARER_MAX_SESSIONS_PER_USER: '50',
        LOG_LEVEL: 'error',
      },
      nodeArgs: Object.fromEntries(SERVICES.map((s) => [s, [`--inspect=127.0.0.1:${inspect[s]}`]])),
    });
    const base = stack.proxyUrl;
    upstream.trust(`${base}/.well-known/gatehouse/jwks.json`);
    await stack.get('proxy').ready();
    return await run(stack, base, upstream, redis, nats, inspect);
  } finally {
    await stack?.stop();
    await Promise.all([redis.stop(), nats.stop(), upstream.close()]);
  }
}

async function run(
  stack: ProcessStack,
  base: string,
  upstream: Awaited<ReturnType<typeof startRecordingUpstream>>,
  redis: Awaited<ReturnType<typeof startRestartableRedis>>,
  nats: Awaited<ReturnType<typeof startRestartableNats>>,
  inspect: Record<string, number>,
): Promise<number> {
  const password = 'soak password 12345';
  const emails = Array.from({ length: USERS }, (_, i) => `soak-${i}@example.com`);
  await createUsers(
    stack.env.AUTH_BASIC_GRPC_ENDPOINT!,
    emails.map((email) => ({ email, password })),
  );
  const sessions: Array<Tokens & { email: string }> = [];
  const apps: Array<{ email: string; token: string; id: string; owner: string }> = [];
  for (const email of emails) {
    const t = await login(base, email, password);
    sessions.push({ ...t, email });
    const a = await call(`${base}/auth-app/tokens?expiry=24h`, { method: 'POST', headers: bearer(t.access_token) });
    apps.push({ email, token: a.body.token as string, id: a.body.id as string, owner: t.access_token });
  }

  const errors = new Map<string, number>();
  const latencies: number[][] = Array.from({ length: Math.ceil(MINUTES) }, () => []);
  const revoked: Revoked[] = [];
  /** Credentials revoked or being revoked: a 401 for one of them is a right answer, not an error. */
  const refusable = new Set<string>();
  let acceptedRevoked = 0;
  let requests = 0;
  let running = true;
  const record = (op: string, a: Answer, ms: number, ok: (a: Answer) => boolean) => {
    requests++;
    const elapsed = Date.now() - loadStart;
    if (elapsed < DURATION_MS) latencies[Math.floor(elapsed / 60_000)]!.push(ms);
    if (!ok(a)) {
      const key = `${op}: ${a.status === 0 ? a.failure : `${a.status} ${a.code ?? ''}`.trim()}`;
      errors.set(key, (errors.get(key) ?? 0) + 1);
    }
  };
  const timed = async (op: string, f: () => Promise<Answer>, ok: (a: Answer) => boolean = (a) => a.status < 300) => {
    const t = Date.now();
    const a = await f();
    record(op, a, Date.now() - t, ok);
    return a;
  };
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const loadStart = Date.now();

  const loops = [
    // Bearer and app-token traffic: the bulk.
    ...Array.from({ length: 4 }, async () => {
      while (running) {
        const t = pick(sessions).access_token;
        await timed(
          'bearer GET /whoami',
          () => call(`${base}/whoami`, { headers: bearer(t) }),
          (a) => a.status < 300 || (a.status === 401 && refusable.has(t)),
        );
      }
    }),
    ...Array.from({ length: 2 }, async () => {
      while (running) {
        const a = pick(apps);
        await timed(
          'app token GET /whoami',
          () => call(`${base}/whoami`, { headers: basic(a.email, a.token) }),
          (x) => x.status < 300 || (x.status === 401 && refusable.has(a.token)),
        );
      }
    }),
    // Logins and refreshes: new sessions replace old ones in the pool.
    (async () => {
      while (running) {
        const email = pick(emails);
        const a = await timed('POST /auth/login', () => call(`${base}/auth/login`, { json: { email, password } }));
        if (a.status === 200) sessions[Math.floor(Math.random() * sessions.length)] = { ...(a.body.data as Tokens), email };
        await pause(200);
      }
    })(),
    (async () => {
      while (running) {
        const i = Math.floor(Math.random() * sessions.length);
        const s = sessions[i]!;
        const a = await timed(
          'POST /auth/refresh',
          () => call(`${base}/auth/refresh`, { json: { refresh_token: s.refresh_token, mode: 'json' } }),
          (x) => x.status === 200 || x.status === 401,
        );
        // 401: the session was logged out (revoked) or replaced meanwhile: expected under this load.
        if (a.status === 200 && sessions[i] === s) sessions[i] = { ...(a.body.data as Tokens), email: s.email };
        await pause(200);
      }
    })(),
    // Revocations: a session logged out, an app token deleted, every 2 s in turn; each replaced.
    (async () => {
      let n = 0;
      while (running) {
        await pause(2000);
        if (n++ % 2 === 0) {
          const i = Math.floor(Math.random() * sessions.length);
          const s = sessions[i]!;
          refusable.add(s.access_token);
          const a = await timed('POST /auth/logout', () => call(`${base}/auth/logout`, { json: { refresh_token: s.refresh_token } }));
          if (a.status === 204) revoked.push({ kind: 'session', headers: bearer(s.access_token), at: Date.now() });
          const t = await call(`${base}/auth/login`, { json: { email: s.email, password } });
          if (t.status === 200 && sessions[i] === s) sessions[i] = { ...(t.body.data as Tokens), email: s.email };
        } else {
          const i = Math.floor(Math.random() * apps.length);
          const app = apps[i]!;
          // The owner signs in to manage its tokens (an app token never manages app tokens).
          const signedIn = await call(`${base}/auth/login`, { json: { email: app.email, password } });
          if (signedIn.status !== 200) continue;
          const owner = signedIn.body.data as Tokens;
          refusable.add(app.token);
          const a = await timed('DELETE /auth-app/tokens', () =>
            call(`${base}/auth-app/tokens?token=${encodeURIComponent(app.id)}`, { method: 'DELETE', headers: bearer(owner.access_token) }),
          );
          if (a.status === 204) {
            revoked.push({ kind: 'app token', headers: basic(app.email, app.token), at: Date.now() });
            const c = await call(`${base}/auth-app/tokens?expiry=24h`, { method: 'POST', headers: bearer(owner.access_token) });
            if (c.status === 201)
              apps[i] = { email: app.email, token: c.body.token as string, id: c.body.id as string, owner: owner.access_token };
          }
        }
      }
    })(),
    // Revoked credentials, probed once their bound has passed: any 2xx is an accepted revoked credential.
    (async () => {
      while (running) {
        const due = revoked.filter((r) => Date.now() - r.at > REVOCATION_BOUND_MS);
        for (const r of due.slice(-20)) {
          const a = await call(`${base}/whoami`, { headers: r.headers });
          if (a.status >= 200 && a.status < 300) {
            acceptedRevoked++;
            log(`accepted a revoked ${r.kind} ${Date.now() - r.at} ms after its revocation`);
          }
        }
        await pause(500);
      }
    })(),
  ];

  await pause(WARMUP_MS);
  const heapStart: Record<string, number> = {};
  for (const s of SERVICES) heapStart[s] = await heapAfterGc(inspect[s]!);
  log(`warm: heap after GC ${SERVICES.map((s) => `${s} ${(heapStart[s]! / 1e6).toFixed(1)} MB`).join(', ')}`);

  const at = (fraction: number) => pause(Math.max(0, loadStart + DURATION_MS * fraction - Date.now()));
  await at(0.4);
  log('Redis: killed');
  await redis.kill();
  await pause(OUTAGE_MS);
  await redis.start();
  log('Redis: back');
  await at(0.6);
  log('NATS: killed');
  await nats.kill();
  await pause(OUTAGE_MS);
  await nats.start();
  await until('services reconnected to NATS', async () => (await nats.connectionNames()).length >= SERVICES.length, 30_000);
  log('NATS: back');
  await at(1);
  running = false;
  await Promise.all(loops);

  const heapEnd: Record<string, number> = {};
  for (const s of SERVICES) heapEnd[s] = await heapAfterGc(inspect[s]!);
  const growth = (s: string) => (heapEnd[s]! - heapStart[s]!) / heapStart[s]!;
  const unauthenticated = upstream.unauthenticated;
  const failed = [
    ...(acceptedRevoked > 0 ? [`${acceptedRevoked} revoked credentials accepted`] : []),
    ...(unauthenticated > 0 ? [`${unauthenticated} unauthenticated forwards`] : []),
    ...SERVICES.filter((s) => growth(s) >= 0.1).map((s) => `${s} heap grew ${(growth(s) * 100).toFixed(1)} %`),
  ];

  const lines = [
    '# Soak',
    '',
    `${MINUTES} min (SOAK_MINUTES), ${requests} requests through the proxy, Redis restarted at 40 %, NATS at 60 % (${OUTAGE_MS / 1000} s down each).`,
    `Every service a process; ${USERS} users; BCRYPT_COST 4, LOGIN_STALL_TIME 20ms, ACCESS_TOKEN_TTL 2m. Written by \`make soak\` (${new Date().toISOString()}).`,
    '',
    `**${failed.length === 0 ? 'PASS' : `FAIL: ${failed.join('; ')}`}**`,
    '',
    '| check | value | required |',
    '| --- | --- | --- |',
    `| revoked credentials accepted after ${REVOCATION_BOUND_MS / 1000} s (${revoked.length} revoked) | ${acceptedRevoked} | 0 |`,
    `| unauthenticated forwards | ${unauthenticated} | 0 |`,
    ...SERVICES.map(
      (s) =>
        `| ${s} heap after GC, start → end | ${(heapStart[s]! / 1e6).toFixed(1)} → ${(heapEnd[s]! / 1e6).toFixed(1)} MB (${(growth(s) * 100).toFixed(1)} %) | < 10 % |`,
    ),
    '',
    '## Errors by kind',
    '',
    '| kind | count |',
    '| --- | --- |',
    ...[...errors].sort((a, b) => b[1] - a[1]).map(([k, v]) => `| ${k} | ${v} |`),
    ...(errors.size === 0 ? ['| none | 0 |'] : []),
    '',
    '## p99 per minute',
    '',
    '| minute | requests | p50 (ms) | p99 (ms) |',
    '| --- | --- | --- | --- |',
    ...latencies.map((l, i) => (l.length ? `| ${i + 1} | ${l.length} | ${quantile(l, 0.5)} | ${quantile(l, 0.99)} |` : '')).filter(Boolean),
  ];
  const out = resolve(process.cwd(), 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'soak-latest.md'), `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`soak failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(2);
  },
);
