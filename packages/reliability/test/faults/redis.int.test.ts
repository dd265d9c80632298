import { RedisStore } from '@gatehouse/shared';
import { startNats, type SpawnedServer } from '@gatehouse/shared/testing';
import { bearer, call, createUsers, login, sidOf, type Answer, type Tokens } from '../../src/client.js';
import { startProcessStack, until, type ProcessStack } from '../../src/process-stack.js';
import { startRecordingUpstream, type RecordingUpstream } from '../../src/recording-upstream.js';
import { startRestartableRedis, type RestartableServer } from '../../src/servers.js';

// Redis is killed (SIGKILL) while logins, refreshes and logouts run through the proxy, then started
// again on the same port with its append-only file. Services are separate processes and are never
// restarted. RedisStore reconnects with a back-off capped at 2 s (packages/shared/src/store/redis-store.ts).
const REDIS_RECONNECT_MAX_MS = 2000;
const OUTAGE_MS = 3000;

interface Op {
  op: 'login' | 'refresh' | 'logout';
  answer: Answer;
  sid?: string;
  refresh?: string;
}

describe('fault: Redis dies during login, refresh and logout', () => {
  let redis: RestartableServer;
  let nats: SpawnedServer;
  let upstream: RecordingUpstream;
  let stack: ProcessStack;
  let base: string;
  const password = 'a long enough password 1';
  const users = Array.from({ length: 4 }, (_, i) => `redis-fault-${i}@example.com`);
  let before: Tokens[] = [];
  /** Sessions opened in beforeAll for the logouts that run through the outage. */
  const pool: Tokens[] = [];

  beforeAll(async () => {
    [redis, nats, upstream] = await Promise.all([startRestartableRedis({ aof: true }), startNats(), startRecordingUpstream()]);
    stack = await startProcessStack({
      services: ['auth-bearer', 'auth-basic', 'proxy'],
      redisUrl: redis.url,
      natsUrl: nats.url,
      upstreamUrl: upstream.url,
      // No session cap in the way: every session a login opens must still be there at the end.
      env: { BCRYPT_COST: '4', LOGIN_STALL_TIME: '50ms', AUTH_BEARER_MAX_SESSIONS_PER_USER: '10000' },
    });
    base = stack.proxyUrl;
    upstream.trust(`${base}/.well-known/gatehouse/jwks.json`);
    await stack.get('proxy').ready();
    await createUsers(
      stack.env.AUTH_BASIC_GRPC_ENDPOINT!,
      users.map((email) => ({ email, password })),
    );
    before = await Promise.all(users.map((u) => login(base, u, password)));
    for (let i = 0; i < 10; i++) pool.push(...(await Promise.all(users.map((u) => login(base, u, password)))));
  }, 150_000);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([redis?.stop(), nats?.stop(), upstream?.close()]);
  });

  it('answers 503 with Retry-After (never 500), issues no token without a stored session, and recovers without a restart', async () => {
    const ops: Op[] = [];
    let running = true;
    /** Logins and refreshes that keep their sessions: each one answered 200 must be stored. */
    const signIn = async (email: string) => {
      while (running) {
        const l = await call(`${base}/auth/login`, { json: { email, password } });
        const t = l.status === 200 ? (l.body.data as Tokens) : undefined;
        ops.push({ op: 'login', answer: l, ...(t ? { sid: sidOf(t.access_token) } : {}) });
        if (!t) continue;
        const r = await call(`${base}/auth/refresh`, { json: { refresh_token: t.refresh_token, mode: 'json' } });
        ops.push({ op: 'refresh', answer: r, sid: sidOf(t.access_token), refresh: t.refresh_token });
      }
    };
    /** Logouts of sessions opened before: each one answered 204 must be gone. */
    const signOut = async () => {
      for (let t = pool.shift(); running && t; t = pool.shift())
        ops.push({
          op: 'logout',
          answer: await call(`${base}/auth/logout`, { json: { refresh_token: t.refresh_token } }),
          sid: sidOf(t.access_token),
          refresh: t.refresh_token,
        });
    };
    const workers = [...users.map(signIn), signOut(), signOut()];
    await until('traffic before the outage', () => ops.filter((o) => o.answer.status === 200).length >= 8, 15_000);

    await redis.kill();
    const killedAt = ops.length;
    // Bearer tokens are verified in the proxy alone: they keep working while Redis is away.
    const during = await call(`${base}/whoami`, { headers: bearer(before[0]!.access_token) });
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const refusedDuring = ops.slice(killedAt).filter((o) => o.answer.status === 503).length;
    await redis.start();
    const back = Date.now();
    const afterRestart = ops.length;
    // Recovery: a login succeeds again within the reconnect back-off plus one login's time.
    await until(
      'a login after Redis returned',
      () => ops.slice(afterRestart).some((o) => o.op === 'login' && o.answer.status === 200),
      REDIS_RECONNECT_MAX_MS + 5000,
    );
    const recoveredMs = Date.now() - back;
    running = false;
    await Promise.all(workers);

    expect(during.status).toBe(200);
    expect(refusedDuring).toBeGreaterThan(0); // the outage was seen
    const unexpected = ops.filter((o) => ![200, 204, 503].includes(o.answer.status));
    expect(unexpected.map((o) => `${o.op} ${o.answer.status} ${o.answer.code ?? o.answer.failure}`)).toEqual([]);
    for (const o of ops.filter((x) => x.answer.status === 503)) {
      expect(o.answer.code).toBe('SERVICE_UNAVAILABLE');
      expect(Number(o.answer.retryAfter)).toBeGreaterThan(0);
    }
    expect(recoveredMs).toBeLessThan(REDIS_RECONNECT_MAX_MS + 5000);

    // A logout that got 503 may or may not have ended its session: the client's retry settles it.
    for (const o of ops.filter((x) => x.op === 'logout' && x.answer.status === 503))
      expect((await call(`${base}/auth/logout`, { json: { refresh_token: o.refresh } })).status).toBe(204);
    const store = new RedisStore({ url: redis.url });
    try {
      await store.ready(5000);
      const exists = async (sid: string) => (await store.get(`bearer:session:${sid}`)) !== null;
      // Every session a login or refresh answered 200 for is in Redis (it was stored before the answer)…
      const issued = new Set(ops.filter((o) => o.op !== 'logout' && o.answer.status === 200).map((o) => o.sid!));
      const missing: string[] = [];
      for (const sid of issued) if (!(await exists(sid))) missing.push(sid);
      expect(missing).toEqual([]);
      // …and every logout (answered 204 at once, or after its retry) ended its session.
      const lingering: string[] = [];
      for (const o of ops.filter((x) => x.op === 'logout')) if (await exists(o.sid!)) lingering.push(o.sid!);
      expect(lingering).toEqual([]);
    } finally {
      await store.close();
    }
    expect(upstream.unauthenticated).toBe(0);
  }, 60_000);

  it('keeps the sessions opened before the outage (append-only file on): their refresh tokens still work', async () => {
    for (const t of before) {
      const r = await call(`${base}/auth/refresh`, { json: { refresh_token: t.refresh_token, mode: 'json' } });
      expect(r.status).toBe(200);
    }
  }, 30_000);
});
