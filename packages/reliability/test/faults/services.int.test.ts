import { startNats, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { basic, bearer, call, createUsers, login, type Answer, type Tokens } from '../../src/client.js';
import { startProcessStack, until, type ProcessStack, type ServiceName } from '../../src/process-stack.js';
import { startRecordingUpstream, type RecordingUpstream } from '../../src/recording-upstream.js';

// auth-basic, auth-app and auth-bearer each killed (SIGKILL) in turn while the proxy keeps serving.
// The proxy's caches of looked-up credentials are kept short here (PROXY_BASIC_CACHE_TTL,
// PROXY_SESSION_CACHE_TTL) so that, once they have passed, a request really needs the dead service.
const CACHE_TTL_MS = 500;
// grpc-js reconnects to a dead peer with a 1 s back-off growing ×1.6 (±20 % jitter): after an
// outage of a few seconds its next attempt comes within ~5 s, so traffic is back well within 15 s.
const RECOVERY_MS = 15_000;

describe('fault: an auth service dies', () => {
  let redis: SpawnedServer;
  let nats: SpawnedServer;
  let upstream: RecordingUpstream;
  let stack: ProcessStack;
  let base: string;
  const password = 'a long enough password 3';
  const users = ['svc-a@example.com', 'svc-b@example.com', 'svc-c@example.com', 'svc-d@example.com'];
  let tokens: Tokens;
  let appToken: string;
  let sessionCookie: string;

  const whoami = (headers: Record<string, string>) => call(`${base}/whoami`, { headers });
  const unavailable = (a: Answer) => a.status === 503 && a.code === 'SERVICE_UNAVAILABLE' && Number(a.retryAfter) > 0;
  const pastCaches = () => new Promise((r) => setTimeout(r, CACHE_TTL_MS + 100));

  beforeAll(async () => {
    [redis, nats, upstream] = await Promise.all([startRedis(), startNats(), startRecordingUpstream()]);
    stack = await startProcessStack({
      services: ['auth-bearer', 'auth-basic', 'auth-app', 'proxy'],
      redisUrl: redis.url,
      natsUrl: nats.url,
      upstreamUrl: upstream.url,
      env: {
        BCRYPT_COST: '4',
        LOGIN_STALL_TIME: '10ms',
        PROXY_ENABLE_BASIC_AUTH: 'true',
        PROXY_ENABLE_APP_AUTH: 'true',
        PROXY_BASIC_CACHE_TTL: `${CACHE_TTL_MS}ms`,
        PROXY_SESSION_CACHE_TTL: `${CACHE_TTL_MS}ms`,
      },
    });
    base = stack.proxyUrl;
    upstream.trust(`${base}/.well-known/gatehouse/jwks.json`);
    await stack.get('proxy').ready();
    await createUsers(
      stack.env.AUTH_BASIC_GRPC_ENDPOINT!,
      users.map((email) => ({ email, password })),
    );
    tokens = await login(base, users[0]!, password);
    const created = await call(`${base}/auth-app/tokens?expiry=1h`, { method: 'POST', headers: bearer(tokens.access_token) });
    expect(created.status).toBe(201);
    appToken = created.body.token as string;
    const s = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: users[0], password, mode: 'session' }),
    });
    sessionCookie = s.headers
      .getSetCookie()
      .find((c) => c.startsWith('gatehouse_session_token='))!
      .split(';')[0]!;
    // Everything works, and the proxy has the JWKS (Bearer verification needs nobody after this).
    expect((await whoami(bearer(tokens.access_token))).status).toBe(200);
    expect((await whoami(basic(users[0]!, appToken))).status).toBe(200);
    expect((await whoami(basic(users[1]!, password))).status).toBe(200);
    expect((await whoami({ cookie: sessionCookie })).status).toBe(200);
  }, 150_000);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([redis?.stop(), nats?.stop(), upstream?.close()]);
  });

  /** Kills `name`, runs `whileDown`, starts it again and waits until `recovered` holds. */
  async function outage(name: ServiceName, whileDown: () => Promise<void>, recovered: () => Promise<boolean>): Promise<void> {
    const svc = stack.get(name);
    await svc.kill();
    await pastCaches();
    await whileDown();
    await svc.start();
    await until(`traffic needing ${name} recovers`, recovered, RECOVERY_MS, 200);
    expect(upstream.unauthenticated).toBe(0);
  }

  it('auth-basic down: 503 for logins and Basic passwords; Bearer and app tokens go on; back when it returns', async () => {
    await outage(
      'auth-basic',
      async () => {
        expect(unavailable(await call(`${base}/auth/login`, { json: { email: users[0], password } }))).toBe(true);
        expect(unavailable(await whoami(basic(users[2]!, password)))).toBe(true);
        expect((await whoami(bearer(tokens.access_token))).status).toBe(200);
        // A wrong password is not let through either: the proxy cannot tell, so it refuses with 503.
        expect(unavailable(await whoami(basic(users[2]!, 'wrong password 1234')))).toBe(true);
      },
      async () =>
        (await call(`${base}/auth/login`, { json: { email: users[0], password } })).status === 200 &&
        (await whoami(basic(users[2]!, password))).status === 200,
    );
  }, 60_000);

  it('auth-app down: 503 for app tokens and their management; Bearer and Basic passwords go on; back when it returns', async () => {
    await outage(
      'auth-app',
      async () => {
        expect(unavailable(await whoami(basic(users[0]!, appToken)))).toBe(true);
        expect(unavailable(await whoami(basic(users[0]!, `${appToken.slice(0, -4)}xxxx`)))).toBe(true);
        expect(unavailable(await call(`${base}/auth-app/tokens`, { headers: bearer(tokens.access_token) }))).toBe(true);
        expect((await whoami(bearer(tokens.access_token))).status).toBe(200);
        expect((await whoami(basic(users[1]!, password))).status).toBe(200);
      },
      async () => (await whoami(basic(users[0]!, appToken))).status === 200,
    );
  }, 60_000);

  it('auth-bearer down: cached Bearer verification goes on; session cookies, refresh and login get 503; back when it returns', async () => {
    await outage(
      'auth-bearer',
      async () => {
        expect((await whoami(bearer(tokens.access_token))).status).toBe(200);
        expect(unavailable(await whoami({ cookie: sessionCookie }))).toBe(true);
        expect(unavailable(await whoami({ cookie: 'gatehouse_session_token=forged-or-stolen' }))).toBe(true);
        expect(unavailable(await call(`${base}/auth/refresh`, { json: { refresh_token: tokens.refresh_token, mode: 'json' } }))).toBe(true);
        expect(unavailable(await call(`${base}/auth/login`, { json: { email: users[3], password } }))).toBe(true);
      },
      async () =>
        (await whoami({ cookie: sessionCookie })).status === 200 &&
        (await call(`${base}/auth/login`, { json: { email: users[3], password } })).status === 200,
    );
    // The refresh token survived the outage (the session is in Redis).
    expect((await call(`${base}/auth/refresh`, { json: { refresh_token: tokens.refresh_token, mode: 'json' } })).status).toBe(200);
  }, 60_000);
});
