import { createTokenClient } from '@gatehouse/shared';
import { startNats, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { bearer, call, createUsers, login } from '../../src/client.js';
import { startProcessStack, until, type ProcessStack } from '../../src/process-stack.js';
import { startRecordingUpstream, type RecordingUpstream } from '../../src/recording-upstream.js';

// Issue 10 item 2: disabling a user ends their sessions even when auth-bearer is down at that
// moment (the direct RevokeUser call fails and the user.changed event, NATS keeping nothing for an
// absent subscriber, is lost). auth-basic's outbox keeps the change in Redis and retries both until
// delivered. Retries here at most every 2 s (AUTH_BASIC_REVOCATION_RETRY_MAX).
const RETRY_MAX_MS = 2000;
// auth-bearer's restart, grpc-js's reconnect back-off to it, and one retry interval.
const DELIVERY_BOUND_MS = 20_000;

describe('fault: a user is disabled while auth-bearer is down', () => {
  let redis: SpawnedServer;
  let nats: SpawnedServer;
  let upstream: RecordingUpstream;
  let stack: ProcessStack;
  let base: string;
  const password = 'a long enough password 11';
  const admin = 'outbox-admin@example.com';
  const target = 'outbox-target@example.com';

  beforeAll(async () => {
    [redis, nats, upstream] = await Promise.all([startRedis(), startNats(), startRecordingUpstream()]);
    stack = await startProcessStack({
      services: ['auth-bearer', 'auth-basic', 'proxy'],
      redisUrl: redis.url,
      natsUrl: nats.url,
      upstreamUrl: upstream.url,
      env: {
        BCRYPT_COST: '4',
        LOGIN_STALL_TIME: '10ms',
        AUTH_BASIC_REVOCATION_RETRY_MIN: '500ms',
        AUTH_BASIC_REVOCATION_RETRY_MAX: `${RETRY_MAX_MS}ms`,
      },
    });
    base = stack.proxyUrl;
    upstream.trust(`${base}/.well-known/gatehouse/jwks.json`);
    await stack.get('proxy').ready();
    await createUsers(stack.env.AUTH_BASIC_GRPC_ENDPOINT!, [
      { email: admin, password, admin: true },
      { email: target, password },
    ]);
  }, 150_000);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([redis?.stop(), nats?.stop(), upstream?.close()]);
  });

  it('attack: the disabled user keeps their session because RevokeUser failed and the event was lost — revoked once auth-bearer is back (401 INVALID_TOKEN)', async () => {
    const adminToken = (await login(base, admin, password)).access_token;
    const t = await login(base, target, password);
    expect((await call(`${base}/whoami`, { headers: bearer(t.access_token) })).status).toBe(200);
    const me = await call(`${base}/users/me`, { headers: bearer(t.access_token) });
    const id = me.body.data.id as string;

    const bearerSvc = stack.get('auth-bearer');
    await bearerSvc.kill();
    // The proxy verifies Bearer tokens alone: the admin's request reaches auth-basic.
    const disabled = await call(`${base}/users/${id}/disable`, { method: 'POST', headers: bearer(adminToken) });
    expect(disabled.status).toBe(200);
    // Nothing could end the session yet: the proxy still lets its access token through.
    expect((await call(`${base}/whoami`, { headers: bearer(t.access_token) })).status).toBe(200);
    await new Promise((r) => setTimeout(r, RETRY_MAX_MS)); // retries fail meanwhile

    await bearerSvc.start();
    await until(
      'the session revoked after auth-bearer returned',
      async () => (await call(`${base}/whoami`, { headers: bearer(t.access_token) })).status === 401,
      DELIVERY_BOUND_MS,
      200,
    );
    const a = await call(`${base}/whoami`, { headers: bearer(t.access_token) });
    expect([a.status, a.code]).toEqual([401, 'INVALID_TOKEN']);
    // The sessions are gone from auth-bearer's store (asked before any refresh, which would end them too).
    const tokens = createTokenClient(stack.env.AUTH_BEARER_GRPC_ENDPOINT!, { deadlineMs: 5000 });
    try {
      expect((await tokens.ListSessions({ user_id: id })).sessions).toEqual([]);
    } finally {
      tokens.close();
    }
    const r = await call(`${base}/auth/refresh`, { json: { refresh_token: t.refresh_token, mode: 'json' } });
    expect([r.status, r.code]).toEqual([401, 'INVALID_TOKEN']);
    expect(upstream.unauthenticated).toBe(0);
  }, 90_000);
});
