import { createHash } from 'node:crypto';
import type { RunningRuntime } from '@gatehouse/cli';
import { createTokenClient, createUserClient, type TokenClient, type UserClient } from '@gatehouse/shared';
import { codeOf, startNats, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { basic, bearer, call, login } from '../../src/client.js';
import { until } from '../../src/process-stack.js';
import { startRecordingUpstream, type RecordingUpstream } from '../../src/recording-upstream.js';
import { startRuntime } from '../../src/runtime.js';

// Issue 10 items 2 and 9: what a demoted user and a revoked session-less token can still do, end
// to end (the real proxy and services in one process, on real Redis and NATS). The bounds are the
// proxy's caches of looked-up credentials, shortened here to keep the run short.
const SESSION_CACHE_TTL_MS = 2000; // PROXY_SESSION_CACHE_TTL
const BASIC_CACHE_TTL_MS = 3000; // PROXY_BASIC_CACHE_TTL (passwords and app tokens)
const APP_USER_CACHE_TTL_MS = 1000; // AUTH_APP_USER_CACHE_TTL
const SERVICE_ACCOUNT = { id: 'svc-support', secret: 'support-secret-0123456789abcdef' };
const RESOURCE_CLIENT = { id: 'rs-files', secret: 'resource-secret-0123456789abcdef' };
const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');

describe('attack: revocation and role changes through the public entry (issue 10 items 2, 9)', () => {
  let redis: SpawnedServer;
  let nats: SpawnedServer;
  let rt: RunningRuntime;
  let upstream: RecordingUpstream;
  let base: string;
  let users: UserClient;
  let tokens: TokenClient;
  const adminEmail = 'revocation-admin@example.com';
  const password = 'a long enough password 10';
  let adminToken: string;

  beforeAll(async () => {
    [redis, nats, upstream] = await Promise.all([startRedis(), startNats(), startRecordingUpstream()]);
    let addrs: Record<string, string>;
    ({ rt, base, addrs } = await startRuntime({
      REDIS_URL: redis.url,
      NATS_URL: nats.url,
      WHOAMI_HTTP_ENDPOINT: upstream.url,
      GATEHOUSE_ADD_RUN_SERVICES: 'auth-app',
      PROXY_ENABLE_BASIC_AUTH: 'true',
      PROXY_ENABLE_APP_AUTH: 'true',
      PROXY_SESSION_CACHE_TTL: `${SESSION_CACHE_TTL_MS}ms`,
      PROXY_BASIC_CACHE_TTL: `${BASIC_CACHE_TTL_MS}ms`,
      AUTH_APP_USER_CACHE_TTL: `${APP_USER_CACHE_TTL_MS}ms`,
      AUTH_BEARER_SERVICE_ACCOUNTS: JSON.stringify([{ client_id: SERVICE_ACCOUNT.id, secret_sha256: sha256Hex(SERVICE_ACCOUNT.secret) }]),
      AUTH_BEARER_RESOURCE_CLIENTS: JSON.stringify([{ client_id: RESOURCE_CLIENT.id, secret_sha256: sha256Hex(RESOURCE_CLIENT.secret) }]),
      GATEHOUSE_ADMIN_EMAIL: adminEmail,
      GATEHOUSE_ADMIN_PASSWORD: password,
    }));
    upstream.trust(`${base}/.well-known/gatehouse/jwks.json`);
    users = createUserClient(addrs.AUTH_BASIC_GRPC_ADDR!, { deadlineMs: 10_000 });
    tokens = createTokenClient(addrs.AUTH_BEARER_GRPC_ADDR!, { deadlineMs: 10_000 });
    adminToken = (await login(base, adminEmail, password)).access_token;
  }, 120_000);

  afterAll(async () => {
    users?.close();
    tokens?.close();
    await rt?.stop();
    await Promise.all([upstream?.close(), redis?.stop(), nats?.stop()]);
  });

  /** A new user (through auth-basic's UserService) with the given roles; returns its id. */
  const createUser = async (email: string, roles: string[]) =>
    (await users.CreateUser({ email, name: email.split('@')[0]!, password, roles, groups: [], provider: 'local' })).id;

  /** Password login in session mode: the session cookie. */
  const sessionCookie = async (email: string) => {
    const res = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password, mode: 'session' }),
    });
    expect(res.status).toBe(200);
    return res.headers
      .getSetCookie()
      .find((c) => c.startsWith('gatehouse_session_token='))!
      .split(';')[0]!;
  };

  /** What the upstream was told about the caller of one /whoami request with `headers`. */
  const rolesSeen = async (headers: Record<string, string>): Promise<string[] | number> => {
    const a = await call(`${base}/whoami`, { headers });
    return a.status === 200 ? (upstream.seen.at(-1)!.identity?.roles ?? []) : a.status;
  };

  /** Waits until `ok` holds, failing after `boundMs`; returns how long it took. */
  const within = async (what: string, boundMs: number, ok: () => Promise<boolean>): Promise<number> => {
    const started = Date.now();
    await until(what, ok, boundMs, 100);
    return Date.now() - started;
  };

  it('attack: a demoted admin keeps admin rights with the session cookie — refused 403 FORBIDDEN within PROXY_SESSION_CACHE_TTL', async () => {
    const email = 'demoted-admin@example.com';
    const id = await createUser(email, ['admin']);
    const cookie = await sessionCookie(email);
    expect((await call(`${base}/users`, { headers: { cookie } })).status).toBe(200);
    // Another admin takes the role away.
    const demoted = await call(`${base}/users/${id}`, { method: 'PATCH', headers: bearer(adminToken), json: { roles: [] } });
    expect(demoted.status).toBe(200);
    const ms = await within(
      'the demoted session refused',
      SESSION_CACHE_TTL_MS + 1000,
      async () => (await call(`${base}/users`, { headers: { cookie } })).status === 403,
    );
    const a = await call(`${base}/users`, { headers: { cookie } });
    expect([a.status, a.code]).toEqual([403, 'FORBIDDEN']);
    expect(await rolesSeen({ cookie })).toEqual([]);
    expect(ms).toBeLessThanOrEqual(SESSION_CACHE_TTL_MS + 1000);
  }, 30_000);

  it('attack: a demoted user keeps a role with a password or an app token — the identity loses it within PROXY_BASIC_CACHE_TTL', async () => {
    const email = 'demoted-app@example.com';
    const id = await createUser(email, ['editor']);
    const t = await login(base, email, password);
    const created = await call(`${base}/auth-app/tokens?expiry=1h`, { method: 'POST', headers: bearer(t.access_token) });
    expect(created.status).toBe(201);
    const appToken = created.body.token as string;
    expect(await rolesSeen(basic(email, appToken))).toEqual(['editor']);
    expect(await rolesSeen(basic(email, password))).toEqual(['editor']);
    expect((await call(`${base}/users/${id}`, { method: 'PATCH', headers: bearer(adminToken), json: { roles: [] } })).status).toBe(200);
    await within('the app token without the role', BASIC_CACHE_TTL_MS + APP_USER_CACHE_TTL_MS + 1000, async () => {
      const r = await rolesSeen(basic(email, appToken));
      return Array.isArray(r) && r.length === 0;
    });
    await within('the password without the role', BASIC_CACHE_TTL_MS + 1000, async () => {
      const r = await rolesSeen(basic(email, password));
      return Array.isArray(r) && r.length === 0;
    });
    // The access token issued before the change keeps its claims until it expires (ACCESS_TOKEN_TTL);
    // a refreshed one carries the new roles.
    expect(await rolesSeen(bearer(t.access_token))).toEqual(['editor']);
    const refreshed = await call(`${base}/auth/refresh`, { json: { refresh_token: t.refresh_token, mode: 'json' } });
    expect(refreshed.status).toBe(200);
    expect(await rolesSeen(bearer(refreshed.body.data.access_token as string))).toEqual([]);
  }, 30_000);

  it('attack: a disabled user keeps browsing with the session cookie — 401 INVALID_TOKEN within PROXY_SESSION_CACHE_TTL', async () => {
    const email = 'disabled-cookie@example.com';
    const id = await createUser(email, []);
    const cookie = await sessionCookie(email);
    expect((await call(`${base}/whoami`, { headers: { cookie } })).status).toBe(200);
    expect((await call(`${base}/users/${id}/disable`, { method: 'POST', headers: bearer(adminToken) })).status).toBe(200);
    await within(
      'the session refused',
      SESSION_CACHE_TTL_MS + 1000,
      async () => (await call(`${base}/whoami`, { headers: { cookie } })).status === 401,
    );
    const a = await call(`${base}/whoami`, { headers: { cookie } });
    expect([a.status, a.code]).toEqual([401, 'INVALID_TOKEN']);
  }, 30_000);

  it('attack: an impersonation token revoked with RFC 7009 keeps working — 401 INVALID_TOKEN at once', async () => {
    const email = 'impersonated@example.com';
    await createUser(email, []);
    const minted = await tokens.Impersonate({ client_id: SERVICE_ACCOUNT.id, client_secret: SERVICE_ACCOUNT.secret, email, scopes: [] });
    const other = await tokens.Impersonate({ client_id: SERVICE_ACCOUNT.id, client_secret: SERVICE_ACCOUNT.secret, email, scopes: [] });
    expect((await call(`${base}/whoami`, { headers: bearer(minted.access_token) })).status).toBe(200);
    const revoke = await fetch(`${base}/oauth/revoke`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${RESOURCE_CLIENT.id}:${RESOURCE_CLIENT.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: minted.access_token, token_type_hint: 'access_token' }).toString(),
    });
    expect(revoke.status).toBe(200);
    await within(
      'the revoked token refused',
      1000,
      async () => (await call(`${base}/whoami`, { headers: bearer(minted.access_token) })).status === 401,
    );
    const a = await call(`${base}/whoami`, { headers: bearer(minted.access_token) });
    expect([a.status, a.code]).toEqual([401, 'INVALID_TOKEN']);
    // Only that token: another one of the same user and actor still works.
    expect((await call(`${base}/whoami`, { headers: bearer(other.access_token) })).status).toBe(200);
    // auth-bearer agrees (introspection, VerifyToken).
    expect(await codeOf(tokens.VerifyToken({ token: minted.access_token, audience: '' }))).toBe('INVALID_TOKEN');
  }, 30_000);
});
