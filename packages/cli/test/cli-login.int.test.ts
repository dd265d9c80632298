import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { decodeJwt } from 'jose';
import { createLogger, createUserClient, type UserClient } from '@gatehouse/shared';
import { TestBrowser, freePort, startNats, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { startAllInOne, type RunningRuntime } from '../src/index.js';
import { json, onFreePorts, waitFor } from './helpers.js';

// The six RPCs of seed 000 through the proxy's gRPC entry, with grpc-js clients built from the
// seed's own proto (test/fixtures/seed-000: no PKCE extension fields), as a Neosync CLI would call
// them: the server exchanges codes as the confidential gatehouse-cli client.
const SECRET = 'cli-login-test-secret-0123456789abcdef01';
const PASSWORD = 'grace has a long password 1';
const SEED_PROTO = fileURLToPath(new URL('../../test/fixtures/seed-000/mgmt/v1alpha1/auth.proto', import.meta.url));

type Call = (req: object, md?: grpc.Metadata) => Promise<any>;
type SeedClient = Record<'GetAuthStatus' | 'GetCliIssuer' | 'GetAuthorizeUrl' | 'LoginCli' | 'RefreshCli' | 'CheckToken', Call> & {
  close(): void;
};

/** A client of mgmt.v1alpha1.AuthService from the seed proto alone. */
function seedClient(address: string): SeedClient {
  const def = grpc.loadPackageDefinition(loadSync(SEED_PROTO, { keepCase: true, longs: Number, defaults: true, oneofs: true }));
  const pkg = (def.mgmt as grpc.GrpcObject).v1alpha1 as grpc.GrpcObject;
  const AuthService = pkg.AuthService as grpc.ServiceClientConstructor;
  const raw = new AuthService(address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, (...a: unknown[]) => unknown>;
  const call =
    (method: string): Call =>
    (req, md = new grpc.Metadata()) =>
      new Promise((resolve, reject) =>
        raw[method]!.call(raw, req, md, { deadline: Date.now() + 10_000 }, (err: grpc.ServiceError | null, res: unknown) =>
          err ? reject(err) : resolve(res),
        ),
      );
  const out = { close: () => raw.close() } as SeedClient;
  for (const m of ['GetAuthStatus', 'GetCliIssuer', 'GetAuthorizeUrl', 'LoginCli', 'RefreshCli', 'CheckToken'] as const) out[m] = call(m);
  return out;
}

const bearer = (token: string) => {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
};

describe('mgmt.v1alpha1.AuthService through the proxy gRPC entry (seed 000 clients, built-in IdP)', () => {
  let redis: SpawnedServer;
  let nats: SpawnedServer;
  let rt: RunningRuntime;
  let addrs: Record<string, string>;
  let base: string;
  let seed: SeedClient;
  let users: UserClient;
  let grace: { id: string };
  let redirect: string;

  beforeAll(async () => {
    [redis, nats] = await Promise.all([startRedis(), startNats()]);
    ({ addrs, value: rt } = await onFreePorts((a) =>
      startAllInOne(
        {
          ...a,
          PUBLIC_URL: `http://${a.PROXY_HTTP_ADDR}`,
          REDIS_URL: redis.url,
          NATS_URL: nats.url,
          GATEHOUSE_SECRET: SECRET,
          GATEHOUSE_ADMIN_PASSWORD: 'admin password for tests 1',
          LOGIN_STALL_TIME: '20ms',
          BCRYPT_COST: '8',
          LOG_LEVEL: 'silent',
          AUTH_CLI_RATE_LIMIT: '20',
          SESSION_REFRESH_GRACE_PERIOD: '0',
        },
        { logger: createLogger({ service: 'test', level: 'silent' }), print: () => undefined, dataDir: mkdtempSync(join(tmpdir(), 'gh-')) },
      ),
    ));
    await waitFor(async () => (await fetch(`http://${addrs.PROXY_DEBUG_ADDR}/readyz`)).status === 200);
    base = `http://${addrs.PROXY_HTTP_ADDR}`;
    seed = seedClient(addrs.PROXY_GRPC_ADDR!);
    users = createUserClient(addrs.AUTH_BASIC_GRPC_ADDR!);
    grace = await users.CreateUser({ email: 'grace@example.com', password: PASSWORD, name: 'Grace' });
    redirect = `http://127.0.0.1:${await freePort()}/api/auth/callback`;
  }, 60_000);

  afterAll(async () => {
    seed?.close();
    users?.close();
    await rt?.stop();
    await Promise.all([redis?.stop(), nats?.stop()]);
  });

  const formAction = (page: string, kind: string, at: URL) => {
    const m = new RegExp(`action="([^"]*/${kind})"`).exec(page);
    if (!m) throw new Error(`no ${kind} form in ${page.slice(0, 300)}`);
    return new URL(m[1]!.replace(/&#47;/g, '/'), at);
  };

  /** The browser's part at the built-in IdP, through the proxy: login, consent, back to the redirect. */
  async function signInAt(url: string): Promise<URL> {
    const browser = new TestBrowser();
    const loginPage = await browser.follow(url, await browser.request(url));
    const login = formAction(await loginPage.res!.text(), 'login', loginPage.url);
    const posted = await browser.request(login, { form: { email: 'grace@example.com', password: PASSWORD } });
    const consentPage = await browser.follow(login, posted);
    const consent = formAction(await consentPage.res!.text(), 'consent', consentPage.url);
    const back = await browser.follow(consent, await browser.request(consent, { form: {} }), (u) => u.href.startsWith(redirect));
    return back.url;
  }

  async function codeFromIdp(state = 'seed-state-1'): Promise<string> {
    const { url } = await seed.GetAuthorizeUrl({ state, redirect_uri: redirect, scope: 'openid profile offline_access' });
    const back = await signInAt(url);
    expect(back.searchParams.get('state')).toBe(state);
    return back.searchParams.get('code')!;
  }

  it('GetAuthStatus and GetCliIssuer answer without a credential', async () => {
    await expect(seed.GetAuthStatus({})).resolves.toEqual({ is_enabled: true });
    await expect(seed.GetCliIssuer({})).resolves.toEqual({ issuer_url: `${base}/oidc`, audience: 'gatehouse' });
  });

  it('signs in with GetAuthorizeUrl, the IdP and LoginCli; the tokens work at the proxy, CheckToken and RefreshCli', async () => {
    const { url } = await seed.GetAuthorizeUrl({ state: 's-1', redirect_uri: redirect, scope: 'openid profile offline_access' });
    const u = new URL(url);
    expect(`${u.origin}${u.pathname}`).toBe(`${base}/oidc/auth`);
    expect(u.searchParams.get('client_id')).toBe('gatehouse-cli');
    expect(u.searchParams.get('audience')).toBe('gatehouse');
    expect(u.searchParams.get('prompt')).toBe('consent');
    const back = await signInAt(url);
    const { access_token: t } = await seed.LoginCli({ code: back.searchParams.get('code'), redirect_uri: redirect });
    expect(t).toMatchObject({ token_type: 'Bearer', refresh_token: expect.any(String), id_token: expect.any(String) });
    expect(t.expires_in).toBeGreaterThan(800);
    expect(decodeJwt(t.access_token)).toMatchObject({ iss: base, sub: grace.id, client_id: 'gatehouse-cli' });
    expect(decodeJwt(t.id_token)).toMatchObject({ iss: `${base}/oidc`, sub: grace.id });

    const whoami = await fetch(`${base}/whoami`, { headers: { authorization: `Bearer ${t.access_token}` } });
    expect(whoami.status).toBe(200);
    expect((await json(whoami)).data.identity).toMatchObject({ sub: grace.id, email: 'grace@example.com' });
    await expect(seed.CheckToken({}, bearer(t.access_token))).resolves.toEqual({});

    const { access_token: next } = await seed.RefreshCli({ refresh_token: t.refresh_token });
    expect(next.refresh_token).not.toBe(t.refresh_token);
    await expect(seed.CheckToken({}, bearer(next.access_token))).resolves.toEqual({});
    // The old refresh token again: reuse; the session ends, and the proxy hears of it.
    await expect(seed.RefreshCli({ refresh_token: t.refresh_token })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(seed.CheckToken({}, bearer(next.access_token))).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await waitFor(
      async () => (await fetch(`${base}/whoami`, { headers: { authorization: `Bearer ${next.access_token}` } })).status === 401,
      5_000,
    );
  });

  it('CheckToken needs a token at the gRPC entry', async () => {
    await expect(seed.CheckToken({})).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(seed.CheckToken({}, bearer('not.a.token'))).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
  });

  it('refuses a foreign redirect_uri with INVALID_ARGUMENT', async () => {
    await expect(
      seed.GetAuthorizeUrl({ state: 's', redirect_uri: 'https://evil.example/api/auth/callback', scope: 'openid' }),
    ).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  });

  it('refuses a replayed code with UNAUTHENTICATED, and the first exchange’s tokens stop working', async () => {
    const code = await codeFromIdp();
    const { access_token: t } = await seed.LoginCli({ code, redirect_uri: redirect });
    const replay = await seed.LoginCli({ code, redirect_uri: redirect }).catch((e: grpc.ServiceError) => e);
    expect(replay).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: expect.stringMatching(/already used/) });
    await expect(seed.CheckToken({}, bearer(t.access_token))).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
  });

  it('rate-limits the login calls per client address (a forged x-forwarded-for does not help), never CheckToken', async () => {
    const code = await codeFromIdp('for-the-limit');
    const { access_token: t } = await seed.LoginCli({ code, redirect_uri: redirect });
    const req = { state: 's', redirect_uri: redirect, scope: 'openid' };
    let limited: grpc.ServiceError | undefined;
    // 20 per minute, some spent above; a minute boundary may pass once.
    for (let i = 0; i < 41 && !limited; i++)
      limited = await seed.GetAuthorizeUrl(req).then(
        () => undefined,
        (e: grpc.ServiceError) => e,
      );
    expect(limited).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    expect(Number(limited!.metadata.get('retry-after')[0])).toBeGreaterThan(0);
    const forged = new grpc.Metadata();
    forged.set('x-forwarded-for', '198.51.100.77');
    await expect(seed.GetAuthorizeUrl(req, forged)).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    await expect(seed.LoginCli({ code: 'x', redirect_uri: redirect })).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    await expect(seed.RefreshCli({ refresh_token: t.refresh_token })).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    for (let i = 0; i < 25; i++) await expect(seed.CheckToken({}, bearer(t.access_token))).resolves.toEqual({});
  });
});
