import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startNats, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { createUsers } from '../src/client.js';
import { ksTwoSample, quantile } from '../src/ks-test.js';
import { startProcessStack, type ProcessStack } from '../src/process-stack.js';

// `make test-timing`: are login and password-reset answers for known and unknown e-mails
// indistinguishable by their timing? Named test: two-sample Kolmogorov–Smirnov, α = 0.001 (the run
// fails when p < 0.001 for either endpoint). SAMPLES per side and endpoint, with the stall on
// (LOGIN_STALL_TIME at its 500 ms default pads logins and reset requests alike).
//
// Treating both sides alike: every request comes from its own source address (127.x.y.z, a real
// socket address, not a header), and every e-mail is used once per endpoint: a known account gets
// one wrong password and one reset request, an unknown address the same. So the login limiter sees
// one failure per account and per address (below LOGIN_ACCOUNT_FREE_ATTEMPTS and
// LOGIN_IP_FREE_ATTEMPTS: nobody is delayed), and the reset throttle (PASSWORD_RESET_MIN_INTERVAL)
// lets every known address through (its first request: token stored, e-mail sent) while unknown
// addresses never reach it. Requests of all four kinds are shuffled together, so drift in the
// machine's load falls on both sides.
const SAMPLES = Number(process.env.TIMING_SAMPLES ?? 1000);
const ALPHA = 0.001;
const STALL_MS = 500;
const CONCURRENCY = 12;

type Kind = 'login' | 'reset';
interface Task {
  kind: Kind;
  known: boolean;
  email: string;
  from: string;
}

/** A POST from a given local address (its own connection), timed from the first byte to the last. */
function timedPost(port: number, path: string, body: unknown, localAddress: string): Promise<{ status: number; ms: number }> {
  const data = JSON.stringify(body);
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        localAddress,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        res.resume();
        res.on('end', () => done({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
      },
    );
    req.on('error', fail);
    req.end(data);
  });
}

/** 127.1.0.1, 127.1.0.2, …: one loopback source address per request. */
const sourceAddress = (n: number) => `127.${1 + Math.floor(n / 65_000)}.${Math.floor((n % 65_000) / 250)}.${1 + (n % 250)}`;

function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

describe('timing: known and unknown e-mails are indistinguishable (two-sample Kolmogorov–Smirnov, α = 0.001)', () => {
  let redis: SpawnedServer;
  let nats: SpawnedServer;
  let stack: ProcessStack;
  let port: number;
  const known = Array.from({ length: SAMPLES }, (_, i) => `known-${i}@example.com`);
  const unknown = Array.from({ length: SAMPLES }, (_, i) => `unknown-${i}@example.com`);

  beforeAll(async () => {
    [redis, nats] = await Promise.all([startRedis(), startNats()]);
    stack = await startProcessStack({
      services: ['auth-bearer', 'auth-basic', 'proxy'],
      redisUrl: redis.url,
      natsUrl: nats.url,
      env: {
        // Named, not defaults: the stall is the default; bcrypt at cost 8 (both sides hash at it) keeps 2,000
        // hashes and 2,000 verifications well within the run on a shared 2-core machine.
        LOGIN_STALL_TIME: `${STALL_MS}ms`,
        BCRYPT_COST: '8',
        AUTH_BASIC_OUTBOX_DIR: mkdtempSync(join(tmpdir(), 'gh-outbox-')),
      },
    });
    port = Number(new URL(stack.proxyUrl).port);
    await stack.get('proxy').ready();
    await createUsers(
      stack.env.AUTH_BASIC_GRPC_ENDPOINT!,
      known.map((email) => ({ email, password: 'the right password 1' })),
    );
  }, 600_000);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([redis?.stop(), nats?.stop()]);
  });

  it(`answers ${SAMPLES} logins and ${SAMPLES} reset requests per side with timings no KS test tells apart`, async () => {
    let n = 0;
    const tasks = shuffle<Task>(
      (['login', 'reset'] as const).flatMap((kind) => [
        ...known.map((email) => ({ kind, known: true, email, from: sourceAddress(n++) })),
        ...unknown.map((email) => ({ kind, known: false, email, from: sourceAddress(n++) })),
      ]),
    );
    const times: Record<Kind, { known: number[]; unknown: number[] }> = {
      login: { known: [], unknown: [] },
      reset: { known: [], unknown: [] },
    };
    const statuses = new Map<string, number>();
    const queue = [...tasks];
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let t = queue.shift(); t; t = queue.shift()) {
          const r =
            t.kind === 'login'
              ? await timedPost(port, '/auth/login', { email: t.email, password: 'a wrong password 12' }, t.from)
              : await timedPost(port, '/auth/password/request', { email: t.email }, t.from);
          const key = `${t.kind} ${t.known ? 'known' : 'unknown'} ${r.status}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
          // A 503 (a store command past its timeout on a saturated machine) is an answer of its own: counted, not timed.
          if (r.status !== 503) times[t.kind][t.known ? 'known' : 'unknown'].push(r.ms);
        }
      }),
    );
    const lines = [
      '# Timing: known vs unknown e-mails',
      '',
      `Two-sample Kolmogorov–Smirnov, α = ${ALPHA}; ${SAMPLES} samples per side, LOGIN_STALL_TIME ${STALL_MS} ms, BCRYPT_COST 8,`,
      `${CONCURRENCY} requests in flight, each from its own 127.x.y.z address. Written by \`make test-timing\` (${new Date().toISOString()}).`,
      `Answers: ${[...statuses].map(([k, v]) => `${k}: ${v}`).join(', ')}.`,
      '',
      '| endpoint | D | p | median known / unknown (ms) | p99 known / unknown (ms) |',
      '| --- | --- | --- | --- | --- |',
    ];
    const results: Array<{ kind: Kind; p: number; medians: number[] }> = [];
    for (const kind of ['login', 'reset'] as const) {
      const { known: k, unknown: u } = times[kind];
      const { d, p } = ksTwoSample(k, u);
      const medians = [quantile(k, 0.5), quantile(u, 0.5)];
      results.push({ kind, p, medians });
      lines.push(
        `| ${kind === 'login' ? 'POST /auth/login' : 'POST /auth/password/request'} | ${d.toFixed(4)} | ${p.toPrecision(3)} | ${medians.map((m) => m.toFixed(1)).join(' / ')} | ${[quantile(k, 0.99), quantile(u, 0.99)].map((m) => m.toFixed(1)).join(' / ')} |`,
      );
    }
    const out = resolve(process.cwd(), 'bench/results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'timing-latest.md'), `${lines.join('\n')}\n`);
    process.stdout.write(`${lines.join('\n')}\n`);
    // Same answers on both sides: 401 for every login, 204 for every reset request; a rare 503 (under 1 %) tolerated.
    const count = (key: string) => statuses.get(key) ?? 0;
    for (const side of ['known', 'unknown']) {
      expect(count(`login ${side} 401`) + count(`login ${side} 503`)).toBe(SAMPLES);
      expect(count(`reset ${side} 204`) + count(`reset ${side} 503`)).toBe(SAMPLES);
      expect(count(`login ${side} 503`) + count(`reset ${side} 503`)).toBeLessThan(SAMPLES / 100);
    }
    for (const r of results) {
      // The stall was on: no answer of either side came faster than it.
      for (const m of r.medians) expect(m).toBeGreaterThanOrEqual(STALL_MS);
      expect(r.p).toBeGreaterThanOrEqual(ALPHA);
    }
  }, 900_000);
});
