import { createHash } from 'node:crypto';
import type { RunningRuntime } from '@gatehouse/cli';
import { createTokenClient, createUserClient, type TokenClient } from '@gatehouse/shared';
import { basic, bearer, call, createUsers, login } from '../../src/client.js';
import { startRuntime } from '../../src/runtime.js';

// Issue 10 item 3: a delegated credential (an app token, an API key, anything carrying `act`)
// never administers users, app tokens, API keys or sessions, even when its user is an admin.
// The whole runtime in one process: the real proxy in front of the real services.
const SVC = { id: 'svc-reports', secret: 'svc-reports-secret-0123456789' };

describe('attack: a delegated credential administering (issue 10 item 3)', () => {
  let rt: RunningRuntime;
  let base: string;
  let addrs: Record<string, string>;
  let tokens: TokenClient;
  let adminToken: string;
  let appToken: string;
  let actToken: string;
  let victimId: string;
  const admin = { email: 'admin@example.com', password: 'admin password 0123' };
  const victim = { email: 'victim@example.com', password: 'victim password 0123' };

  beforeAll(async () => {
    ({ rt, base, addrs } = await startRuntime({
      GATEHOUSE_ADD_RUN_SERVICES: 'auth-app',
      PROXY_ENABLE_BASIC_AUTH: 'true',
      PROXY_ENABLE_APP_AUTH: 'true',
      GATEHOUSE_ADMIN_EMAIL: admin.email,
      GATEHOUSE_ADMIN_PASSWORD: admin.password,
      // A service account allowed to act for admins: the strongest `act` token there is.
      AUTH_BEARER_SERVICE_ACCOUNTS: JSON.stringify([
        { client_id: SVC.id, secret_sha256: createHash('sha256').update(SVC.secret).digest('hex'), allow_admin_targets: true },
      ]),
    }));
    await createUsers(addrs.AUTH_BASIC_GRPC_ADDR!, [victim]);
    const users = createUserClient(addrs.AUTH_BASIC_GRPC_ADDR!);
    victimId = (await users.GetUser({ email: victim.email })).id;
    users.close();
    adminToken = (await login(base, admin.email, admin.password)).access_token;
    const created = await call(`${base}/auth-app/tokens?expiry=1h&label=ci`, { method: 'POST', headers: bearer(adminToken) });
    expect(created.status).toBe(201);
    appToken = created.body.token as string;
    tokens = createTokenClient(addrs.AUTH_BEARER_GRPC_ADDR!);
    actToken = (await tokens.Impersonate({ client_id: SVC.id, client_secret: SVC.secret, email: admin.email, scopes: [] })).access_token;
  }, 90_000);

  afterAll(async () => {
    tokens?.close();
    await rt?.stop();
  });

  const asApp = () => basic(admin.email, appToken);
  const asAct = () => bearer(actToken);

  it('the admin in person may administer users (the refusals below are for the delegation alone)', async () => {
    expect((await call(`${base}/users`, { headers: bearer(adminToken) })).status).toBe(200);
    // Both delegated credentials authenticate as the admin for anything else.
    expect((await call(`${base}/users/me`, { headers: asApp() })).status).toBe(200);
    expect((await call(`${base}/users/me`, { headers: asAct() })).status).toBe(200);
  });

  it.each([
    ['an admin’s app token (Basic)', asApp],
    ['an impersonation token (act) for an admin', asAct],
  ])('refuses %s changing another user’s password: 403 FORBIDDEN, the password unchanged', async (_name, headers) => {
    const a = await call(`${base}/users/${victimId}`, { method: 'PATCH', headers: headers(), json: { password: 'taken over 0123456' } });
    expect([a.status, a.code]).toEqual([403, 'FORBIDDEN']);
    expect((await call(`${base}/auth/login`, { json: victim })).status).toBe(200);
  });

  it.each([
    ['an admin’s app token (Basic)', asApp],
    ['an impersonation token (act) for an admin', asAct],
  ])('refuses %s on every user-administration route with 403 FORBIDDEN', async (_name, headers) => {
    const attempts: Array<[string, string, unknown]> = [
      ['GET', '/users', undefined],
      ['POST', '/users', { email: 'planted@example.com', password: 'planted 0123456789', roles: ['admin'] }],
      ['GET', `/users/${victimId}`, undefined],
      ['POST', `/users/${victimId}/disable`, {}],
      ['DELETE', `/users/${victimId}`, undefined],
      ['POST', '/users/me/tfa/generate', { password: admin.password }],
      ['POST', '/users/me/tfa/disable', { password: admin.password }],
    ];
    for (const [method, path, json] of attempts) {
      const a = await call(`${base}${path}`, { method, headers: headers(), ...(json === undefined ? {} : { json }) });
      expect([method, path, a.status, a.code]).toEqual([method, path, 403, 'FORBIDDEN']);
    }
  });

  it.each([
    ['an admin’s app token (Basic)', asApp],
    ['an impersonation token (act) for an admin', asAct],
  ])('refuses %s creating, listing or deleting app tokens and listing sessions: 403 FORBIDDEN', async (_name, headers) => {
    const attempts: Array<[string, string]> = [
      ['POST', '/auth-app/tokens?expiry=1h'],
      ['POST', `/auth-app/tokens?expiry=1h&userID=${victimId}`],
      ['GET', '/auth-app/tokens'],
      ['DELETE', '/auth-app/tokens?token=0123456789abcdef'],
      ['GET', '/auth/sessions'],
    ];
    for (const [method, path] of attempts) {
      const a = await call(`${base}${path}`, { method, headers: headers() });
      expect([method, path, a.status, a.code]).toEqual([method, path, 403, 'FORBIDDEN']);
    }
  });
});
