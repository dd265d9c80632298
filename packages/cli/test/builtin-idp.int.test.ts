import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import * as oidc from 'openid-client';
import { authenticator } from 'otplib';
import {
  CLI_CLIENT_ID,
  builtinClientSecret,
  createLogger,
  createTokenClient,
  createUserClient,
  loadProtos,
  type TokenClient,
  type UserClient,
} from '@gatehouse/shared';
import { TestBrowser, freePort, startNats, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { parseCommand, startAllInOne, type RunningRuntime } from '../src/index.js';
import { json, onFreePorts, waitFor } from './helpers.js';

// The built-in OpenID Provider end to end, the way a relying party meets it: discovery from
// login.v1.GetOIDCInfo through the proxy's gRPC entry, openid-client 6 as the client, the login and
// consent forms driven with plain HTTP requests carrying the cookies, and the tokens used at the
// proxy's /whoami until the Gatehouse session behind them is revoked.
const SECRET = 'builtin-idp-test-secret-0123456789abcdef';
const PASSWORD = 'alice has a long password 1';

type OidcInfo = { issuer: string; auth_url: string; client_id: string; redirect_url: string };

function getOidcInfo(addr: string): Promise<OidcInfo> {
  const Login = loadProtos().login.v1.LoginService;
  const client = new Login(addr, grpc.credentials.createInsecure());
  return new Promise<OidcInfo>((resolve, reject) =>
    client.GetOIDCInfo({}, (err: grpc.ServiceError | null, res?: OidcInfo) => {
      client.close();
      if (err) reject(err);
      else resolve(res!);
    }),
  );
}

async function startRuntime(redis: SpawnedServer, nats: SpawnedServer, env: Record<string, string>) {
  const { addrs, value } = await onFreePorts((addrs) =>
    startAllInOne(
      {
        ...addrs,
        PUBLIC_URL: `http://${addrs.PROXY_HTTP_ADDR}`,
        REDIS_URL: redis.url,
        NATS_URL: nats.url,
        GATEHOUSE_SECRET: SECRET,
        GATEHOUSE_ADMIN_PASSWORD: 'admin password for tests 1',
        LOGIN_STALL_TIME: '20ms',
        BCRYPT_COST: '8',
        LOG_LEVEL: 'silent',
        ...env,
      },
      { logger: createLogger({ service: 'test', level: 'silent' }), print: () => undefined, dataDir: mkdtempSync(join(tmpdir(), 'gh-')) },
    ),
  );
  await waitFor(async () => (await fetch(`http://${addrs.PROXY_DEBUG_ADDR}/readyz`)).status === 200);
  return { addrs, rt: value };
}

describe('built-in OpenID Provider through the proxy (real Redis + NATS, openid-client)', () => {
  let redis: SpawnedServer;
  let nats: SpawnedServer;
  let rt: RunningRuntime;
  let addrs: Record<string, string>;
  let base: string;
  let users: UserClient;
  let tokens: TokenClient;
  let info: OidcInfo;
  let cli: oidc.Configuration;
  let callbackBase: string;

  const publicClient = {
    client_id: 'public-app',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    redirect_uris: ['http://127.0.0.1/cb'],
  };

  beforeAll(async () => {
    [redis, nats] = await Promise.all([startRedis(), startNats()]);
    ({ addrs, rt } = await startRuntime(redis, nats, {
      AUTH_OIDC_CLIENTS: JSON.stringify([publicClient]),
      LOGIN_ACCOUNT_FREE_ATTEMPTS: '3',
    }));
    base = `http://${addrs.PROXY_HTTP_ADDR}`;
    users = createUserClient(addrs.AUTH_BASIC_GRPC_ADDR!);
    tokens = createTokenClient(addrs.AUTH_BEARER_GRPC_ADDR!);
    info = await getOidcInfo(addrs.PROXY_GRPC_ADDR!);
    const secret = builtinClientSecret(SECRET, CLI_CLIENT_ID);
    cli = await oidc.discovery(new URL(info.issuer), info.client_id, secret, oidc.ClientSecretPost(secret), {
      execute: [oidc.allowInsecureRequests],
    });
    callbackBase = `http://127.0.0.1:${await freePort()}/api/auth/callback`;
  }, 60_000);

  afterAll(async () => {
    users?.close();
    tokens?.close();
    await rt?.stop();
    await Promise.all([redis?.stop(), nats?.stop()]);
  });

  /** Starts an authorization at the IdP and returns the login page's form action. */
  async function begin(browser: TestBrowser, params: Record<string, string>, config = cli) {
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: callbackBase,
      scope: 'openid profile email offline_access',
      prompt: 'consent',
      ...params,
    });
    const start = await browser.request(url);
    return browser.follow(url, start);
  }

  const formAction = async (res: Response | undefined, base_: URL, kind: 'login' | 'consent') => {
    const page = await res!.text();
    const m = new RegExp(`action="([^"]*/${kind})"`).exec(page);
    if (!m) throw new Error(`no ${kind} form in: ${page.slice(0, 400)}`);
    return new URL(m[1]!.replace(/&#47;/g, '/'), base_);
  };

  /** The whole browser part: login (and a one-time code when given), consent, back to the callback. */
  async function signIn(email: string, password: string, opts: { otp?: () => string } = {}) {
    const browser = new TestBrowser();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const page = await begin(browser, {
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    expect(page.res!.status).toBe(200);
    expect(page.res!.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(page.res!.headers.get('cache-control')).toBe('no-store');
    const login = await formAction(page.res, page.url, 'login');
    let posted = await browser.request(login, { form: { email, password, otp: opts.otp?.() ?? '' } });
    expect(posted.status).toBe(303);
    let next = await browser.follow(login, posted);
    const consent = await formAction(next.res, next.url, 'consent');
    posted = await browser.request(consent, { form: {} });
    next = await browser.follow(consent, posted, (u) => u.href.startsWith(callbackBase));
    expect(next.url.href.startsWith(callbackBase)).toBe(true);
    const set = await oidc.authorizationCodeGrant(cli, next.url, { pkceCodeVerifier: verifier, expectedState: state });
    return { set, browser };
  }

  /** auth-bearer's gatehouse_audit_events_total for refresh-token reuse. */
  const refreshTokenReuses = async (): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${rt.ports['auth-bearer']!.debug}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith('gatehouse_audit_events_total{') && l.includes('action="session.refresh_token_reuse"'));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  const whoami = (token: string) => fetch(`${base}/whoami`, { headers: { authorization: `Bearer ${token}` } });

  it('GetOIDCInfo, through the proxy gRPC entry, names the built-in issuer, its auth URL and gatehouse-cli', () => {
    expect(info).toEqual({
      issuer: `${base}/oidc`,
      auth_url: `${base}/oidc/auth`,
      client_id: 'gatehouse-cli',
      redirect_url: 'http://127.0.0.1/api/auth/callback',
    });
    expect(cli.serverMetadata().authorization_endpoint).toBe(info.auth_url);
    expect(cli.serverMetadata().jwks_uri).toBe(`${base}/oidc/jwks`);
  });

  it('signs in with code + PKCE; the access token works at /whoami and the ID token has the same sub', async () => {
    const alice = await users.CreateUser({ email: 'alice@example.com', password: PASSWORD, name: 'Alice' });
    const { set, browser } = await signIn('alice@example.com', PASSWORD);
    expect(set.token_type.toLowerCase()).toBe('bearer');
    expect(set.refresh_token).toBeTruthy();
    const idClaims = set.claims()!;
    const at = decodeJwt(set.access_token);
    expect(idClaims.sub).toBe(alice.id);
    expect(at).toMatchObject({ iss: `${base}/oidc`, aud: 'gatehouse', sub: idClaims.sub, client_id: 'gatehouse-cli' });
    expect(typeof at.sid).toBe('string');
    expect(idClaims.email).toBe('alice@example.com');
    // Only Gatehouse-named cookies are set.
    expect(browser.cookieNames().every((n) => n.startsWith('gatehouse_oidc_'))).toBe(true);

    const res = await whoami(set.access_token);
    const body = await json(res);
    expect(res.status).toBe(200);
    expect(body.data.identity).toMatchObject({ sub: idClaims.sub, email: 'alice@example.com' });
  });

  it('refreshes with offline_access; the new access token keeps the session', async () => {
    const { set } = await signIn('alice@example.com', PASSWORD);
    const refreshed = await oidc.refreshTokenGrant(cli, set.refresh_token!);
    expect(refreshed.access_token).not.toBe(set.access_token);
    expect(decodeJwt(refreshed.access_token).sid).toBe(decodeJwt(set.access_token).sid);
    expect((await whoami(refreshed.access_token)).status).toBe(200);
    // Rotation: the old refresh token is spent, and presenting it again ends the grant and its session.
    const reusesBefore = await refreshTokenReuses();
    await expect(oidc.refreshTokenGrant(cli, set.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await waitFor(async () => (await whoami(refreshed.access_token)).status === 401, 5_000);
    // Audited like auth-bearer's own reuse detections: the alert on them sees it.
    expect(await refreshTokenReuses()).toBe(reusesBefore + 1);
  });

  it('refuses the access token after its Gatehouse session is revoked, and the refresh token with it', async () => {
    const { set } = await signIn('alice@example.com', PASSWORD);
    expect((await whoami(set.access_token)).status).toBe(200);
    const sid = decodeJwt(set.access_token).sid as string;
    expect(await tokens.RevokeSession({ session_id: sid, reason: 'test' })).toMatchObject({ revoked: 1 });
    await waitFor(async () => (await whoami(set.access_token)).status === 401, 5_000);
    await expect(oidc.refreshTokenGrant(cli, set.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses the access token and any refresh after the user is disabled', async () => {
    await users.CreateUser({ email: 'bob@example.com', password: PASSWORD, name: 'Bob' });
    const { set } = await signIn('bob@example.com', PASSWORD);
    expect((await whoami(set.access_token)).status).toBe(200);
    await users.DisableUser({ email: 'bob@example.com' });
    await waitFor(async () => (await whoami(set.access_token)).status === 401, 5_000);
    await expect(oidc.refreshTokenGrant(cli, set.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('answers a wrong password on the form, then the limiter with 429 and Retry-After', async () => {
    await users.CreateUser({ email: 'carol@example.com', password: PASSWORD, name: 'Carol' });
    const browser = new TestBrowser();
    const page = await begin(browser, {
      state: oidc.randomState(),
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const login = await formAction(page.res, page.url, 'login');
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 5; i++) {
      last = await browser.request(login, { form: { email: 'carol@example.com', password: 'not the password at all' } });
      statuses.push(last.status);
      if (last.status === 429) break;
      expect(await last.text()).toContain('Wrong e-mail or password.');
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.at(-1)).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('asks for the one-time code of a TOTP user, refuses a wrong one, and signs in with the right one', async () => {
    await users.CreateUser({ email: 'dave@example.com', password: PASSWORD, name: 'Dave' });
    const t = (await json(
      await fetch(`${base}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'dave@example.com', password: PASSWORD }),
      }),
    )) as { data: { access_token: string } };
    const auth = { authorization: `Bearer ${t.data.access_token}`, 'content-type': 'application/json' };
    const gen = (await json(
      await fetch(`${base}/users/me/tfa/generate`, { method: 'POST', headers: auth, body: JSON.stringify({ password: PASSWORD }) }),
    )) as {
      data: { secret: string };
    };
    const secret = gen.data.secret;
    const enabled = await fetch(`${base}/users/me/tfa/enable`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ secret, otp: authenticator.generate(secret) }),
    });
    expect(enabled.status).toBe(200);
    // Taken after the enrollment: its step is this one or an earlier one, and every such code is spent.
    const enrolledStep = Math.floor(Date.now() / 30_000);

    const browser = new TestBrowser();
    const page = await begin(browser, {
      state: oidc.randomState(),
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const login = await formAction(page.res, page.url, 'login');
    const noCode = await browser.request(login, { form: { email: 'dave@example.com', password: PASSWORD } });
    expect(noCode.status).toBe(401);
    expect(await noCode.text()).toMatch(/name="otp"[^>]*required/);
    const wrong = await browser.request(login, { form: { email: 'dave@example.com', password: PASSWORD, otp: '000000' } });
    expect(wrong.status).toBe(401);
    // The right code, from a step after the enrollment's (a step is refused once it or a later one was used),
    // early in that step so the whole sign-in fits in it.
    await waitFor(
      async () => (Math.floor(Date.now() / 30_000) > enrolledStep && authenticator.timeRemaining() > 25) || undefined,
      35_000,
      500,
    );
    const { set } = await signIn('dave@example.com', PASSWORD, { otp: () => authenticator.generate(secret) });
    expect(decodeJwt(set.access_token).amr).toEqual(['pwd', 'otp']);
    expect((await whoami(set.access_token)).status).toBe(200);
  }, 60_000);

  it('refuses an authorization from a public client of AUTH_OIDC_CLIENTS without PKCE', async () => {
    const pub = await oidc.discovery(new URL(info.issuer), 'public-app', undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const browser = new TestBrowser();
    const redirect = `http://127.0.0.1:${await freePort()}/cb`;
    const url = oidc.buildAuthorizationUrl(pub, { redirect_uri: redirect, scope: 'openid', state: 's1' });
    const out = await browser.follow(url, await browser.request(url), (u) => u.href.startsWith(redirect));
    expect(out.url.searchParams.get('error')).toBe('invalid_request');
    expect(out.url.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  /** `gatehouse keys rotate`, as an operator runs it against this runtime. */
  async function rotateKeys(): Promise<{ active_kid: string; published_kids: string[] }> {
    const lines: string[] = [];
    const cmd = parseCommand(['keys', 'rotate'], { AUTH_BEARER_GRPC_ENDPOINT: addrs.AUTH_BEARER_GRPC_ADDR }, (l) => lines.push(l));
    if (cmd.kind !== 'once') throw new Error('expected a one-shot command');
    await cmd.run();
    return JSON.parse(lines.join('\n')) as { active_kid: string; published_kids: string[] };
  }

  it('honours `gatehouse keys rotate`: /oidc/jwks publishes the new kid beside the old, new tokens carry it, earlier ones still pass', async () => {
    await users.CreateUser({ email: 'erin@example.com', password: PASSWORD, name: 'Erin' });
    const jwks = async () => (await (await fetch(cli.serverMetadata().jwks_uri!)).json()) as JSONWebKeySet;
    const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid;
    // Issued before the rotation and not presented anywhere yet (nothing of it is cached at the proxy).
    const { set: before } = await signIn('erin@example.com', PASSWORD);
    const [oldKid] = (await jwks()).keys.map((k) => k.kid) as [string];
    expect(kidOf(before.access_token)).toBe(oldKid);

    const rotated = await rotateKeys();
    expect(rotated.active_kid).not.toBe(oldKid);
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([rotated.active_kid, oldKid]);

    const { set: after } = await signIn('erin@example.com', PASSWORD);
    expect(kidOf(after.id_token!)).toBe(rotated.active_kid);
    expect(kidOf(after.access_token)).toBe(rotated.active_kid);
    const keys = createLocalJWKSet(await jwks());
    await expect(jwtVerify(after.id_token!, keys, { issuer: info.issuer, audience: CLI_CLIENT_ID })).resolves.toBeTruthy();
    await expect(jwtVerify(after.access_token, keys, { issuer: info.issuer, audience: 'gatehouse' })).resolves.toBeTruthy();
    expect((await whoami(after.access_token)).status).toBe(200);

    // The old key stays published for its retention: what it signed still passes.
    await expect(jwtVerify(before.id_token!, keys, { issuer: info.issuer, audience: CLI_CLIENT_ID })).resolves.toBeTruthy();
    expect((await whoami(before.access_token)).status).toBe(200);
    const refreshed = await oidc.refreshTokenGrant(cli, before.refresh_token!);
    expect(kidOf(refreshed.access_token)).toBe(rotated.active_kid);
    expect((await whoami(refreshed.access_token)).status).toBe(200);
  });

  it('refuses a forged login POST without the interaction cookie (CSRF)', async () => {
    const browser = new TestBrowser();
    const page = await begin(browser, {
      state: oidc.randomState(),
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const login = await formAction(page.res, page.url, 'login');
    const res = await new TestBrowser().request(login, { form: { email: 'alice@example.com', password: PASSWORD } });
    expect(res.status).toBe(400);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('built-in OpenID Provider switched off (AUTH_OIDC_BUILTIN=false)', () => {
  let redis: SpawnedServer;
  let nats: SpawnedServer;
  let rt: RunningRuntime;
  let addrs: Record<string, string>;

  beforeAll(async () => {
    [redis, nats] = await Promise.all([startRedis(), startNats()]);
    ({ addrs, rt } = await startRuntime(redis, nats, { AUTH_OIDC_BUILTIN: 'false' }));
  }, 60_000);
  afterAll(async () => {
    await rt?.stop();
    await Promise.all([redis?.stop(), nats?.stop()]);
  });

  it('answers 404 under /oidc and GetOIDCInfo says no provider is configured', async () => {
    expect((await fetch(`http://${addrs.PROXY_HTTP_ADDR}/oidc/.well-known/openid-configuration`)).status).toBe(404);
    await expect(getOidcInfo(addrs.PROXY_GRPC_ADDR!)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });
});
