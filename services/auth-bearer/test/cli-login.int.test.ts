import { Writable } from 'node:stream';
import { Metadata } from '@grpc/grpc-js';
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import {
  GatehouseError,
  MemoryBus,
  RedisStore,
  createAuthServiceClient,
  createLogger,
  createTokenClient,
  type AuthServiceClient,
  type CredentialChecker,
  type TokenClient,
} from '@gatehouse/shared';
import { FakeClock, MemoryUserDirectory, TestBrowser, freePort } from '@gatehouse/shared/testing';
import { createApp, loadConfig } from '../src/index.js';
import { SECRET, startBackends, type Backends } from './harness.js';

// mgmt.v1alpha1.AuthService on auth-bearer alone, with the built-in IdP. PUBLIC_URL is a name that
// resolves nowhere: auth-bearer must reach its own IdP on its own listener, and the test's browser
// reaches the IdP pages the same way (TestBrowser's `via`). Every test calls from its own client
// address (x-forwarded-for from a trusted loopback peer), so rate-limit budgets do not mix.
const PUBLIC_URL = 'https://gatehouse.example.test';
const PASSWORD = 'a long enough password 1';

function credentialsOf(users: MemoryUserDirectory): CredentialChecker {
  return {
    async checkCredentials(a) {
      const user = await users.getUser({ email: a.email });
      if (!user || a.password !== PASSWORD) throw new GatehouseError('INVALID_CREDENTIALS');
      return { user, amr: ['pwd'] };
    },
  };
}

const from = (ip: string, extra: Record<string, string> = {}) => {
  const md = new Metadata();
  md.set('x-forwarded-for', ip);
  for (const [k, v] of Object.entries(extra)) md.set(k, v);
  return { metadata: md };
};

describe('AuthService (seed 000) on auth-bearer with the built-in IdP', () => {
  let b: Backends;
  let store: RedisStore;
  let base: string;
  let auth: AuthServiceClient;
  let tokens: TokenClient;
  let stop: () => Promise<void>;
  let redirect: string;
  const logs: string[] = [];
  /** Every code, verifier and token the tests handled: none may appear in a log line. */
  const secrets = new Set<string>();
  const users = new MemoryUserDirectory();
  const clock = new FakeClock(Date.now());

  beforeAll(async () => {
    b = await startBackends();
    const config = loadConfig({
      GATEHOUSE_SECRET: SECRET,
      PUBLIC_URL,
      REDIS_URL: b.redis.url,
      AUTH_BEARER_HTTP_ADDR: '127.0.0.1:0',
      AUTH_BEARER_GRPC_ADDR: '127.0.0.1:0',
      AUTH_BEARER_DEBUG_ADDR: '127.0.0.1:0',
      AUTH_CLI_RATE_LIMIT: '30',
      AUTH_CLI_REDIRECT_ALLOW_LIST: 'https://cli.example.test/done',
      AUTH_OIDC_CLIENTS: JSON.stringify([
        {
          client_id: 'other-app',
          application_type: 'native',
          token_endpoint_auth_method: 'none',
          redirect_uris: ['http://127.0.0.1/api/auth/callback'],
        },
      ]),
    });
    store = new RedisStore({ url: b.redis.url });
    await store.ready();
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString());
        done();
      },
    });
    const app = createApp(config, {
      store,
      bus: new MemoryBus(),
      logger: createLogger({ service: 'cli-login-test', level: 'debug', destination: sink }),
      clock,
      userDirectory: users,
      credentials: credentialsOf(users),
    });
    const ports = await app.start();
    base = `http://127.0.0.1:${ports.http}`;
    auth = createAuthServiceClient(`127.0.0.1:${ports.grpc}`);
    tokens = createTokenClient(`127.0.0.1:${ports.grpc}`);
    stop = async () => {
      auth.close();
      tokens.close();
      await app.stop();
      await store.close();
    };
    users.add({ id: 'u-ada', email: 'ada@example.test', name: 'Ada', roles: ['admin'] });
    users.add({ id: 'u-bob', email: 'bob@example.test', name: 'Bob' });
    redirect = `http://127.0.0.1:${await freePort()}/api/auth/callback`;
  }, 30_000);

  afterAll(async () => {
    await stop?.();
    await b?.stop();
  });

  const actionOf = (page: string, kind: string) => {
    const m = new RegExp(`action="([^"]*/${kind})"`).exec(page);
    if (!m) throw new Error(`no ${kind} form in ${page.slice(0, 300)}`);
    return m[1]!.replace(/&#47;/g, '/');
  };

  /** The browser part at the IdP (login, consent) until it redirects to `callback`; returns that URL. */
  async function browse(url: string, email: string, callback = redirect): Promise<URL> {
    const browser = new TestBrowser();
    let cur = new URL(url);
    let res = await browser.request(cur, { via: base });
    for (let i = 0; i < 20; i++) {
      if (res.status >= 300 && res.status < 400) {
        cur = new URL(res.headers.get('location')!, cur);
        await res.text();
        if (cur.href.startsWith(callback)) return cur;
        res = await browser.request(cur, { via: base });
        continue;
      }
      const page = await res.text();
      if (res.status !== 200) throw new Error(`IdP answered ${res.status}: ${page.slice(0, 300)}`);
      const kind = page.includes('/login"') ? 'login' : 'consent';
      const action = new URL(actionOf(page, kind), cur);
      res = await browser.request(action, { via: base, form: kind === 'login' ? { email, password: PASSWORD } : {} });
    }
    throw new Error('too many steps at the IdP');
  }

  /** GetAuthorizeUrl, the IdP, and the code at the callback. */
  async function codeFor(ip: string, o: { email?: string; scope?: string; verifier?: string; state?: string } = {}) {
    const state = o.state ?? oidc.randomState();
    const { url } = await auth.GetAuthorizeUrl(
      {
        state,
        redirect_uri: redirect,
        scope: o.scope ?? 'openid profile offline_access',
        code_challenge: o.verifier ? await oidc.calculatePKCECodeChallenge(o.verifier) : '',
      },
      from(ip),
    );
    const back = await browse(url, o.email ?? 'ada@example.test');
    expect(back.searchParams.get('state')).toBe(state);
    const code = back.searchParams.get('code')!;
    secrets.add(code);
    return code;
  }

  async function login(ip: string, o: { email?: string; scope?: string } = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    secrets.add(verifier);
    const code = await codeFor(ip, { ...o, verifier });
    const res = await auth.LoginCli({ code, redirect_uri: redirect, code_verifier: verifier }, from(ip));
    const t = res.access_token!;
    for (const s of [t.access_token, t.refresh_token, t.id_token]) if (s) secrets.add(s);
    return t;
  }

  const check = (token: string, ip = '198.51.100.200') => auth.CheckToken({}, from(ip, { authorization: `Bearer ${token}` }));

  it('answers GetAuthStatus (always on) and GetCliIssuer (the built-in issuer and ACCESS_TOKEN_AUDIENCE)', async () => {
    await expect(auth.GetAuthStatus({})).resolves.toEqual({ is_enabled: true });
    await expect(auth.GetCliIssuer({})).resolves.toEqual({ issuer_url: `${PUBLIC_URL}/oidc`, audience: 'gatehouse' });
  });

  it('builds the authorization URL: gatehouse-cli, the redirect, scope, state, code, audience, consent for offline access, PKCE S256', async () => {
    const challenge = await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier());
    const { url } = await auth.GetAuthorizeUrl(
      { state: 'st-1', redirect_uri: redirect, scope: 'openid profile offline_access', code_challenge: challenge },
      from('198.51.100.1'),
    );
    const u = new URL(url);
    expect(u.origin + u.pathname).toBe(`${PUBLIC_URL}/oidc/auth`);
    expect(Object.fromEntries(u.searchParams)).toEqual({
      client_id: 'gatehouse-cli',
      redirect_uri: redirect,
      scope: 'openid profile offline_access',
      state: 'st-1',
      response_type: 'code',
      audience: 'gatehouse',
      prompt: 'consent',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const plain = new URL(
      (await auth.GetAuthorizeUrl({ state: 'st-2', redirect_uri: redirect, scope: 'openid', code_challenge: '' }, from('198.51.100.1')))
        .url,
    );
    expect(plain.searchParams.has('prompt')).toBe(false);
    expect(plain.searchParams.has('code_challenge')).toBe(false);
  });

  it('signs in: Gatehouse tokens for the user, the IdP ID token, a refresh token with offline_access, one session', async () => {
    const t = await login('198.51.100.2');
    expect(t.token_type).toBe('Bearer');
    expect(t.expires_in).toBeGreaterThan(800);
    expect(t.expires_in).toBeLessThanOrEqual(900);
    expect(t.scope.split(' ').sort()).toEqual(['offline_access', 'openid', 'profile']);
    expect(t.refresh_token).toBeTruthy();
    expect(decodeJwt(t.id_token!)).toMatchObject({ iss: `${PUBLIC_URL}/oidc`, aud: 'gatehouse-cli', sub: 'u-ada' });
    const at = decodeJwt(t.access_token);
    expect(at).toMatchObject({
      iss: PUBLIC_URL,
      aud: 'gatehouse',
      sub: 'u-ada',
      client_id: 'gatehouse-cli',
      amr: ['pwd'],
      roles: ['admin'],
    });
    await expect(check(t.access_token)).resolves.toEqual({});
    // The IdP's grant session ended at the exchange: the CLI's is the only one, with the caller's address.
    const { sessions } = await tokens.ListSessions({ user_id: 'u-ada' });
    const mine = sessions.filter((s) => s.ip === '198.51.100.2');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ id: at.sid, client_id: 'gatehouse-cli', user_agent: expect.stringMatching(/^grpc-node-js\//) });
  });

  it('hands out no refresh token when offline_access was not asked for', async () => {
    const t = await login('198.51.100.3', { scope: 'openid profile' });
    expect(t.refresh_token).toBeUndefined();
    expect(t.scope.split(' ').sort()).toEqual(['openid', 'profile']);
    await expect(check(t.access_token)).resolves.toEqual({});
  });

  it('exchanges a seed client code (no PKCE) as the confidential client', async () => {
    const code = await codeFor('198.51.100.4', { email: 'bob@example.test' });
    const res = await auth.LoginCli({ code, redirect_uri: redirect, code_verifier: '' }, from('198.51.100.4'));
    expect(decodeJwt(res.access_token!.access_token).sub).toBe('u-bob');
  });

  it('rotates on RefreshCli, and a refresh token used twice ends the session (reuse detection)', async () => {
    const t = await login('198.51.100.5');
    const next = (await auth.RefreshCli({ refresh_token: t.refresh_token! }, from('198.51.100.5'))).access_token!;
    secrets.add(next.refresh_token!);
    secrets.add(next.access_token);
    expect(next.refresh_token).not.toBe(t.refresh_token);
    expect(next.token_type).toBe('Bearer');
    expect(decodeJwt(next.access_token).sid).toBe(decodeJwt(t.access_token).sid);
    await expect(check(next.access_token)).resolves.toEqual({});
    clock.advance(11_000); // past SESSION_REFRESH_GRACE_PERIOD (10 s)
    await expect(auth.RefreshCli({ refresh_token: t.refresh_token! }, from('198.51.100.5'))).rejects.toMatchObject({
      code: 'INVALID_TOKEN',
    });
    await expect(check(next.access_token)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    await expect(auth.RefreshCli({ refresh_token: next.refresh_token! }, from('198.51.100.5'))).rejects.toMatchObject({
      code: 'INVALID_TOKEN',
    });
  });

  it('refuses a replayed code, and ends the session its first exchange opened', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const code = await codeFor('198.51.100.6', { verifier });
    const first = (await auth.LoginCli({ code, redirect_uri: redirect, code_verifier: verifier }, from('198.51.100.6'))).access_token!;
    secrets.add(first.access_token);
    await expect(check(first.access_token)).resolves.toEqual({});
    await expect(auth.LoginCli({ code, redirect_uri: redirect, code_verifier: verifier }, from('198.51.100.66'))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringMatching(/already used/),
    });
    await expect(check(first.access_token)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    await expect(auth.RefreshCli({ refresh_token: first.refresh_token! }, from('198.51.100.6'))).rejects.toMatchObject({
      code: 'INVALID_TOKEN',
    });
  });

  it('refuses a code issued to another client of the IdP', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    secrets.add(verifier);
    const other = new oidc.Configuration(
      {
        issuer: `${PUBLIC_URL}/oidc`,
        authorization_endpoint: `${PUBLIC_URL}/oidc/auth`,
        authorization_response_iss_parameter_supported: true,
      },
      'other-app',
    );
    const url = oidc.buildAuthorizationUrl(other, {
      redirect_uri: redirect,
      scope: 'openid',
      state: 'other',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const back = await browse(url.href, 'ada@example.test');
    const code = back.searchParams.get('code')!;
    secrets.add(code);
    await expect(auth.LoginCli({ code, redirect_uri: redirect, code_verifier: verifier }, from('198.51.100.7'))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringMatching(/invalid_grant/),
    });
  });

  it('refuses a wrong or a missing PKCE verifier, and a code exchanged with another redirect URI', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const wrong = oidc.randomPKCECodeVerifier();
    secrets.add(wrong);
    let code = await codeFor('198.51.100.8', { verifier });
    await expect(auth.LoginCli({ code, redirect_uri: redirect, code_verifier: wrong }, from('198.51.100.8'))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    code = await codeFor('198.51.100.8', { verifier });
    await expect(auth.LoginCli({ code, redirect_uri: redirect, code_verifier: '' }, from('198.51.100.8'))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    code = await codeFor('198.51.100.8', { verifier });
    const elsewhere = `http://127.0.0.1:${await freePort()}/api/auth/callback`;
    await expect(auth.LoginCli({ code, redirect_uri: elsewhere, code_verifier: verifier }, from('198.51.100.8'))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });

  it.each([
    ['a foreign host', 'https://evil.example/api/auth/callback'],
    ['localhost (not a loopback IP literal)', 'http://localhost:4242/api/auth/callback'],
    ['a look-alike host', 'http://127.0.0.1.evil.example/api/auth/callback'],
    ['credentials before the host', 'http://127.0.0.1@evil.example/api/auth/callback'],
    ['plain http off loopback', 'http://cli.example.test/done'],
    ['a query', 'http://127.0.0.1:4242/api/auth/callback?next=https://evil.example'],
    ['a fragment', 'http://127.0.0.1:4242/cb#x'],
    ['another scheme', 'javascript:alert(1)'],
    ['nothing', ''],
  ])('refuses a redirect_uri with %s (INVALID_ARGUMENT), in GetAuthorizeUrl and LoginCli', async (_what, uri) => {
    const ip = '198.51.100.9';
    const bad = { code: 'INVALID_PAYLOAD', extensions: { field: 'redirect_uri' } };
    await expect(
      auth.GetAuthorizeUrl({ state: 's', redirect_uri: uri, scope: 'openid', code_challenge: '' }, from(ip)),
    ).rejects.toMatchObject(bad);
    await expect(auth.LoginCli({ code: 'c', redirect_uri: uri, code_verifier: '' }, from(ip))).rejects.toMatchObject(bad);
  });

  it('takes a loopback URI on any port, [::1], and an exact AUTH_CLI_REDIRECT_ALLOW_LIST entry', async () => {
    for (const uri of ['http://127.0.0.1:55123/x', 'http://[::1]:4242/api/auth/callback', 'https://cli.example.test/done']) {
      const { url } = await auth.GetAuthorizeUrl(
        { state: 's', redirect_uri: uri, scope: 'openid', code_challenge: '' },
        from('198.51.100.10'),
      );
      expect(new URL(url).searchParams.get('redirect_uri')).toBe(uri);
    }
    // The built-in IdP registers the allow-listed URI for gatehouse-cli too: its sign-in starts.
    const { url } = await auth.GetAuthorizeUrl(
      { state: 's', redirect_uri: 'https://cli.example.test/done', scope: 'openid', code_challenge: '' },
      from('198.51.100.10'),
    );
    const res = await new TestBrowser().request(url, { via: base });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/\/oidc\/interaction\//);
  });

  it('refuses a missing state, a scope without openid and a malformed PKCE challenge', async () => {
    const req = { state: 's', redirect_uri: redirect, scope: 'openid', code_challenge: '' };
    const ip = from('198.51.100.11');
    await expect(auth.GetAuthorizeUrl({ ...req, state: '' }, ip)).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
    await expect(auth.GetAuthorizeUrl({ ...req, scope: 'profile' }, ip)).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
    await expect(auth.GetAuthorizeUrl({ ...req, code_challenge: 'plain-verifier' }, ip)).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
  });

  it('CheckToken: UNAUTHENTICATED without a Bearer token, with a bad one, and with a token of another scheme', async () => {
    await expect(auth.CheckToken({}, from('198.51.100.12'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(check('not-a-token')).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    await expect(auth.CheckToken({}, from('198.51.100.12', { authorization: 'Basic YTpi' }))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });

  it('limits GetAuthorizeUrl, LoginCli and RefreshCli to AUTH_CLI_RATE_LIMIT per client address and minute, not CheckToken', async () => {
    const ip = '203.0.113.50';
    const req = { state: 's', redirect_uri: redirect, scope: 'openid', code_challenge: '' };
    for (let i = 0; i < 28; i++) await auth.GetAuthorizeUrl(req, from(ip));
    await expect(auth.RefreshCli({ refresh_token: 'x' }, from(ip))).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    await expect(auth.LoginCli({ code: 'c', redirect_uri: 'https://evil.example/', code_verifier: '' }, from(ip))).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
    });
    const limited = await auth.GetAuthorizeUrl(req, from(ip)).catch((e: unknown) => e);
    expect(limited).toMatchObject({ code: 'REQUESTS_EXCEEDED' });
    expect((limited as GatehouseError).retryAfter).toBeGreaterThan(0);
    await expect(auth.LoginCli({ code: 'c', redirect_uri: redirect, code_verifier: '' }, from(ip))).rejects.toMatchObject({
      code: 'REQUESTS_EXCEEDED',
    });
    // Another address has its own budget; CheckToken is never limited.
    await expect(auth.GetAuthorizeUrl(req, from('203.0.113.51'))).resolves.toBeTruthy();
    for (let i = 0; i < 40; i++) await expect(check('x', ip)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    // The window passes.
    clock.advance(60_000);
    await expect(auth.GetAuthorizeUrl(req, from(ip))).resolves.toBeTruthy();
  });

  it('logged no authorization code, verifier or token', () => {
    expect(secrets.size).toBeGreaterThan(10);
    const all = logs.join('');
    expect(all).toMatch(/CLI login: (IdP refused|authorization code replayed)/);
    for (const s of secrets) expect(all).not.toContain(s);
  });
});
