import { SsoStateSealer } from '@gatehouse/auth-bearer';
import { RedisStore, SSO_STATE_COOKIE, createUserClient, decrypt, deriveKey, type UserClient } from '@gatehouse/shared';
import { startOidcProvider, type TestOidcProvider } from '@gatehouse/shared/testing';
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { json, waitFor } from './helpers.js';
import { API_AUDIENCE, CLIENT_SECRET, Jar, SECRET, browse, startSsoStack, type SsoStack } from './sso-helpers.js';

// SSO against a real oidc-provider as the external IdP, through the proxy, with every service,
// real Redis and NATS. Providers: `kc` (by issuer, registration on, session mode, trusted access
// tokens), `kcdisc` (the same IdP by its full discovery URL, registration off, cookie mode).
let s: SsoStack;
let other: TestOidcProvider;
let users: UserClient;
const sealer = new SsoStateSealer(SECRET);

beforeAll(async () => {
  s = await startSsoStack({
    providers: ['kc', 'kcdisc', 'plain'],
    accounts: {
      ada: { email: 'ada@example.com', email_verified: true, name: 'Ada' },
      carol: { email: 'carol@example.com', email_verified: true, name: 'Carol' },
      eve: { email: 'bob@example.com', email_verified: false, name: 'Eve' },
      bob: { email: 'bob@example.com', email_verified: true, name: 'Bob' },
      mallory: { email: 'mallory@example.com', email_verified: false },
      stranger: { email: 'stranger@example.com', email_verified: true },
      olga: { email: 'olga@example.com', email_verified: true, name: 'Olga' },
    },
    env: (issuer) => ({
      AUTH_KC_DRIVER: 'openid',
      AUTH_KC_CLIENT_ID: 'gatehouse',
      AUTH_KC_CLIENT_SECRET: CLIENT_SECRET,
      AUTH_KC_ISSUER_URL: issuer,
      AUTH_KC_ALLOW_PUBLIC_REGISTRATION: 'true',
      AUTH_KC_DEFAULT_ROLE_ID: 'member',
      AUTH_KC_REDIRECT_ALLOW_LIST: 'https://app.example.com/after',
      AUTH_KC_ICON: 'keycloak',
      AUTH_KC_LABEL: 'Company SSO',
      AUTH_KC_TRUST_ACCESS_TOKENS: 'true',
      AUTH_KC_AUDIENCE: API_AUDIENCE,
      AUTH_KCDISC_DRIVER: 'openid',
      AUTH_KCDISC_CLIENT_ID: 'gatehouse',
      AUTH_KCDISC_CLIENT_SECRET: CLIENT_SECRET,
      AUTH_KCDISC_ISSUER_URL: `${issuer}/.well-known/openid-configuration`,
      AUTH_KCDISC_MODE: 'cookie',
      // The same IdP as a plain OAuth 2.0 provider: three URLs, the profile endpoint's JSON, identified by e-mail.
      AUTH_PLAIN_DRIVER: 'oauth2',
      AUTH_PLAIN_CLIENT_ID: 'gatehouse',
      AUTH_PLAIN_CLIENT_SECRET: CLIENT_SECRET,
      AUTH_PLAIN_AUTHORIZE_URL: `${issuer}/auth`,
      AUTH_PLAIN_ACCESS_URL: `${issuer}/token`,
      AUTH_PLAIN_PROFILE_URL: `${issuer}/me`,
      AUTH_PLAIN_SCOPE: 'openid email profile',
      AUTH_PLAIN_ALLOW_PUBLIC_REGISTRATION: 'true',
      PROXY_PROVIDER_JWKS_TTL: '1s',
      PROXY_PROVIDER_JWKS_COOLDOWN: '100ms',
    }),
  });
  // A second IdP: the attacker's, for mix-up.
  other = await startOidcProvider({
    clients: [{ client_id: 'gatehouse', client_secret: CLIENT_SECRET, redirect_uris: [`${s.base}/auth/login/kc/callback`] }],
  });
  users = createUserClient(s.addrs.AUTH_BASIC_GRPC_ADDR!);
}, 60_000);

afterAll(async () => {
  users?.close();
  await other?.close();
  await s?.stop();
});

/** GET /auth/login/:provider as a browser: the IdP URL, with the state cookie in the jar. */
async function start(provider: string, jar: Jar, redirect?: string): Promise<URL> {
  const q = redirect === undefined ? '' : `?redirect=${encodeURIComponent(redirect)}`;
  const res = await browse(`${s.base}/auth/login/${provider}${q}`, jar);
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

/** A whole SSO login as `login`: returns the callback's answer and the jar. */
async function sso(provider: string, login: string, redirect?: string) {
  const jar = new Jar();
  const authorize = await start(provider, jar, redirect);
  const back = await s.idp.login(authorize.href, login);
  const res = await browse(back.href, jar);
  return { res, jar, back, location: res.headers.get('location') ?? '' };
}

const reasonOf = (location: string) => new URL(location, 'http://x').searchParams.get('reason');
const whoami = (headers: Record<string, string>) => fetch(`${s.base}/whoami`, { headers, redirect: 'manual' });

describe('providers and the login request', () => {
  it('lists the configured providers at GET /auth (Directus readProviders), through the proxy', async () => {
    const res = await fetch(`${s.base}/auth`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      data: [
        { name: 'kc', driver: 'openid', icon: 'keycloak', label: 'Company SSO' },
        { name: 'kcdisc', driver: 'openid' },
        { name: 'plain', driver: 'oauth2' },
      ],
    });
  });

  it('redirects to the IdP with PKCE S256, state and nonce kept in a sealed httpOnly cookie scoped to the callback, no-store', async () => {
    const jar = new Jar();
    const res = await browse(`${s.base}/auth/login/kc`, jar);
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const url = new URL(res.headers.get('location')!);
    expect(url.origin).toBe(s.idp.issuer);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: 'gatehouse',
      response_type: 'code',
      redirect_uri: `${s.base}/auth/login/kc/callback`,
      scope: 'openid profile email',
      code_challenge_method: 'S256',
    });
    for (const p of ['state', 'nonce', 'code_challenge']) expect(url.searchParams.get(p)?.length).toBeGreaterThanOrEqual(22);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${SSO_STATE_COOKIE}=`))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Path=\/auth\/login\/kc\/callback/);
    expect(cookie).toMatch(/Max-Age=600/);
    // Sealed: neither the state nor the verifier can be read from it.
    expect(cookie).not.toContain(url.searchParams.get('state')!);
  });
});

describe('discovery: issuer and full discovery URL', () => {
  it('signs a new person in through the provider configured by its issuer (registration on, session mode) and reaches /whoami', async () => {
    const { res, jar, location } = await sso('kc', 'ada', '/apps/files');
    expect(res.status).toBe(302);
    expect(location).toBe('/apps/files');
    expect(jar.cookies.has('gatehouse_session_token')).toBe(true);
    expect(jar.cookies.has(SSO_STATE_COOKIE)).toBe(false);
    const me = await whoami({ cookie: jar.header() });
    expect(me.status).toBe(200);
    const identity = (await json(me)).data.identity;
    // E-mail and name came from userinfo: this IdP's ID tokens carry only sub.
    expect(identity).toMatchObject({ email: 'ada@example.com', name: 'Ada', roles: ['member'], amr: ['oidc'], auth_method: 'session' });
  });

  it("keeps the provider's refresh token with the session, sealed, never in clear in the store", async () => {
    const { jar } = await sso('kc', 'ada');
    const sessions = await json(await fetch(`${s.base}/auth/sessions`, { headers: { cookie: jar.header() } }));
    const current = (sessions.data as Array<{ id: string; current: boolean }>).find((x) => x.current)!;
    const store = new RedisStore({ url: s.redis.url });
    await store.ready();
    try {
      const record = JSON.parse((await store.get(`bearer:session:${current.id}`))!) as {
        external: { provider: string; sub: string; sid: string; refresh_token_sealed: string };
      };
      expect(record.external).toMatchObject({ provider: 'kc', sub: 'ada', sid: s.idp.sidOf('ada', 'gatehouse') });
      const token = decrypt(deriveKey(SECRET, 'sso-refresh-token'), record.external.refresh_token_sealed, 'sso-refresh:kc').toString(
        'utf8',
      );
      expect(token.length).toBeGreaterThan(20);
      expect(JSON.stringify(record)).not.toContain(token);
      // It is the IdP's live refresh token.
      const config = await oidc.discovery(new URL(s.idp.issuer), 'gatehouse', CLIENT_SECRET, undefined, {
        execute: [oidc.allowInsecureRequests],
      });
      expect((await oidc.refreshTokenGrant(config, token)).access_token).toBeTruthy();
    } finally {
      await store.close();
    }
  });

  it('signs a linked person in through the provider configured by its full discovery URL (cookie mode: the refresh cookie)', async () => {
    await users.CreateUser({
      email: 'carol@example.com',
      name: 'Carol',
      password: 'carol has a long password',
      roles: [],
      groups: [],
      provider: '',
    });
    const { jar, location } = await sso('kcdisc', 'carol');
    expect(location).toBe(s.base);
    expect(jar.cookies.has('gatehouse_refresh_token')).toBe(true);
    const refreshed = await fetch(`${s.base}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: jar.header(), origin: new URL(s.base).origin },
      // cookie mode: json mode never reads cookies (the refresh token would land in the body).
      body: JSON.stringify({ mode: 'cookie' }),
    });
    const t = (await json(refreshed)).data;
    const me = await whoami({ authorization: `Bearer ${t.access_token}` });
    expect((await json(me)).data.identity.email).toBe('carol@example.com');
  });

  it('signs a person in through an oauth2 provider (no nonce, the profile URL, identified by e-mail)', async () => {
    const jar = new Jar();
    const authorize = await start('plain', jar);
    expect(authorize.searchParams.get('nonce')).toBeNull();
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const res = await browse((await s.idp.login(authorize.href, 'olga')).href, jar);
    expect(res.headers.get('location')).toBe(s.base);
    const me = await whoami({ cookie: jar.header() });
    expect((await json(me)).data.identity).toMatchObject({ email: 'olga@example.com', name: 'Olga', amr: ['oauth'] });
    expect((await users.GetUserByIdentity({ provider: 'plain', external_id: 'olga@example.com' })).email).toBe('olga@example.com');
  });

  it('refuses an unknown person where registration is off (reason INVALID_CREDENTIALS)', async () => {
    const { location, jar } = await sso('kcdisc', 'stranger');
    expect(reasonOf(location)).toBe('INVALID_CREDENTIALS');
    expect(jar.cookies.has('gatehouse_refresh_token')).toBe(false);
  });

  it('never enters an account created through one provider through another (reason INVALID_PROVIDER)', async () => {
    expect(reasonOf((await sso('kcdisc', 'ada')).location)).toBe('INVALID_PROVIDER');
  });
});

describe('callback attacks', () => {
  /** A started login and the IdP's answer for it, not yet delivered to Gatehouse. */
  async function pending(login = 'ada') {
    const jar = new Jar();
    const authorize = await start('kc', jar);
    const back = await s.idp.login(authorize.href, login);
    return { jar, back };
  }
  const deliver = async (url: URL, jar: Jar) => {
    const res = await browse(url.href, jar);
    expect(res.status).toBe(302);
    return { location: res.headers.get('location')!, session: jar.cookies.has('gatehouse_session_token') };
  };

  it('rejects a callback whose state was tampered with', async () => {
    const { jar, back } = await pending();
    back.searchParams.set('state', `${back.searchParams.get('state')!}x`);
    const r = await deliver(back, jar);
    expect(r).toEqual({ location: `${s.base}?reason=INVALID_CREDENTIALS`, session: false });
  });

  it('rejects a callback without the state cookie, or with a tampered one', async () => {
    const a = await pending();
    a.jar.cookies.delete(SSO_STATE_COOKIE);
    expect(reasonOf((await deliver(a.back, a.jar)).location)).toBe('INVALID_CREDENTIALS');
    const b = await pending();
    const v = b.jar.cookies.get(SSO_STATE_COOKIE)!;
    b.jar.cookies.set(SSO_STATE_COOKIE, v.slice(0, -2) + (v.endsWith('A') ? 'BA' : 'AA'));
    expect(reasonOf((await deliver(b.back, b.jar)).location)).toBe('INVALID_CREDENTIALS');
  });

  it('rejects an ID token whose nonce is not the one of this login', async () => {
    const { jar, back } = await pending();
    const st = sealer.open('kc', jar.cookies.get(SSO_STATE_COOKIE), Date.now());
    jar.cookies.set(SSO_STATE_COOKIE, sealer.seal({ ...st, nonce: 'another-nonce-of-another-login' }));
    const r = await deliver(back, jar);
    expect(r).toEqual({ location: expect.stringContaining('reason=INVALID_CREDENTIALS'), session: false });
  });

  it('rejects a code injected into another login (PKCE: the code was bound to the other verifier)', async () => {
    const victim = await pending();
    const attacker = new Jar();
    const authorize = await start('kc', attacker);
    const injected = new URL(victim.back.href);
    injected.searchParams.set('state', authorize.searchParams.get('state')!);
    const r = await deliver(injected, attacker);
    expect(r).toEqual({ location: expect.stringContaining('reason=INVALID_CREDENTIALS'), session: false });
  });

  it('rejects a tampered PKCE verifier', async () => {
    const { jar, back } = await pending();
    const st = sealer.open('kc', jar.cookies.get(SSO_STATE_COOKIE), Date.now());
    jar.cookies.set(SSO_STATE_COOKIE, sealer.seal({ ...st, codeVerifier: oidc.randomPKCECodeVerifier() }));
    expect(reasonOf((await deliver(back, jar)).location)).toBe('INVALID_CREDENTIALS');
  });

  it('accepts the authorization response as a form POST (response_mode=form_post)', async () => {
    const { jar, back } = await pending();
    const res = await browse(`${s.base}/auth/login/kc/callback`, jar, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: back.searchParams.toString(),
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(s.base);
    expect(jar.cookies.has('gatehouse_session_token')).toBe(true);
  });

  it('rejects a replayed callback (same response, same cookie)', async () => {
    const { jar, back } = await pending();
    const cookie = jar.cookies.get(SSO_STATE_COOKIE)!;
    expect((await deliver(back, jar)).session).toBe(true);
    const replay = new Jar();
    replay.cookies.set(SSO_STATE_COOKIE, cookie);
    expect(await deliver(back, replay)).toEqual({ location: `${s.base}?reason=INVALID_CREDENTIALS`, session: false });
  });

  it('rejects a response from another issuer (mix-up: iss of the attacker, or none)', async () => {
    const wrongIss = await pending();
    wrongIss.back.searchParams.set('iss', other.issuer);
    expect(reasonOf((await deliver(wrongIss.back, wrongIss.jar)).location)).toBe('INVALID_CREDENTIALS');
    const noIss = await pending();
    noIss.back.searchParams.delete('iss');
    expect(reasonOf((await deliver(noIss.back, noIss.jar)).location)).toBe('INVALID_CREDENTIALS');
    // The attacker IdP's own code and iss, delivered into a login with our IdP.
    const victim = new Jar();
    const authorize = await start('kc', victim);
    const theirs = new URL(authorize.href.replace(s.idp.issuer, other.issuer));
    const back = await other.login(theirs.href, 'ada');
    expect(back.searchParams.get('iss')).toBe(other.issuer);
    expect(reasonOf((await deliver(back, victim)).location)).toBe('INVALID_CREDENTIALS');
  });

  it('reports an error answer of the IdP (access_denied) as INVALID_CREDENTIALS', async () => {
    const { jar } = await pending();
    const st = sealer.open('kc', jar.cookies.get(SSO_STATE_COOKIE), Date.now());
    const denied = new URL(`${s.base}/auth/login/kc/callback`);
    denied.search = new URLSearchParams({ error: 'access_denied', state: st.state, iss: s.idp.issuer }).toString();
    expect(reasonOf((await deliver(denied, jar)).location)).toBe('INVALID_CREDENTIALS');
  });
});

describe('open redirects', () => {
  it.each([
    ['//evil.example'],
    ['/\\evil.example'],
    ['https:evil.example'],
    ['https://app@evil.example'],
    ['%2F%2Fevil.example'],
    ['javascript:alert(document.cookie)'],
    ['https://app.example.com.evil.example/after'],
  ])('sends the browser to PUBLIC_URL, not to %s', async (target) => {
    const { location, jar } = await sso('kc', 'ada', target);
    expect(location).toBe(s.base);
    expect(jar.cookies.has('gatehouse_session_token')).toBe(true);
  });

  it('keeps a relative path and an allow-listed URL, and adds ?reason= on failure', async () => {
    expect((await sso('kc', 'ada', '/dashboard?tab=1')).location).toBe('/dashboard?tab=1');
    expect((await sso('kc', 'ada', 'https://app.example.com/after?x=1')).location).toBe('https://app.example.com/after?x=1');
    expect((await sso('kcdisc', 'stranger', 'https://app.example.com/after?x=1')).location).toBe(
      `${s.base}?reason=INVALID_CREDENTIALS`, // kcdisc has no allow list
    );
    expect((await sso('kc', 'mallory', '/welcome?x=1')).location).toBe('/welcome?reason=EMAIL_NOT_VERIFIED');
  });
});

describe('account linking', () => {
  it('links an existing local account only when the provider asserts email_verified', async () => {
    const bob = await users.CreateUser({
      email: 'bob@example.com',
      name: 'Bob',
      password: 'bob has a long password',
      roles: ['editor'],
      groups: [],
      provider: '',
    });
    const unverified = await sso('kc', 'eve');
    expect(reasonOf(unverified.location)).toBe('EMAIL_NOT_VERIFIED');
    expect(unverified.jar.cookies.has('gatehouse_session_token')).toBe(false);
    const verified = await sso('kc', 'bob');
    const me = await whoami({ cookie: verified.jar.header() });
    expect((await json(me)).data.identity).toMatchObject({ sub: bob.id, email: 'bob@example.com', roles: ['editor'] });
    // Bob's password still works; the unverified person at the IdP still gets nothing.
    const pw = await fetch(`${s.base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bob@example.com', password: 'bob has a long password' }),
    });
    expect(pw.status).toBe(200);
    expect(reasonOf((await sso('kc', 'eve')).location)).toBe('INVALID_PROVIDER');
  });

  it('refuses a password login into an account the provider created', async () => {
    const pw = await fetch(`${s.base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', password: 'whatever password it is' }),
    });
    expect(pw.status).toBe(401);
  });
});

describe('provider access tokens at the proxy', () => {
  let spa: oidc.Configuration;
  /** An access token of the IdP for Gatehouse's API (resource indicator), as another app of the IdP gets one. */
  async function apiToken(login: string): Promise<string> {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(spa, {
      redirect_uri: 'http://127.0.0.1/spa/cb',
      scope: 'openid api',
      resource: API_AUDIENCE,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const back = await s.idp.login(url.href, login);
    return (await oidc.authorizationCodeGrant(spa, back, { pkceCodeVerifier: verifier })).access_token;
  }

  beforeAll(async () => {
    spa = await oidc.discovery(new URL(s.idp.issuer), 'spa', undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  });

  it('accepts a trusted provider access token of a linked person as that local account', async () => {
    const token = await apiToken('ada');
    expect(decodeJwt(token).aud).toBe(API_AUDIENCE);
    const me = await whoami({ authorization: `Bearer ${token}` });
    expect(me.status).toBe(200);
    const ada = await users.GetUserByIdentity({ provider: 'kc', external_id: 'ada' });
    expect((await json(me)).data.identity).toMatchObject({
      sub: ada.id,
      email: 'ada@example.com',
      auth_method: 'oidc-kc',
      scopes: ['api'],
    });
  });

  it('refuses an unmapped subject, a wrong audience, a wrong issuer and an ID token', async () => {
    const unmapped = await apiToken('zed');
    expect((await whoami({ authorization: `Bearer ${unmapped}` })).status).toBe(401);
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: s.idp.issuer, sub: 'ada', aud: API_AUDIENCE, iat: now, exp: now + 300, jti: 'j1' };
    expect((await whoami({ authorization: `Bearer ${await s.idp.sign(claims, { typ: 'at+jwt' })}` })).status).toBe(200);
    expect((await whoami({ authorization: `Bearer ${await s.idp.sign({ ...claims, aud: 'gatehouse' }, { typ: 'at+jwt' })}` })).status).toBe(
      401,
    );
    expect((await whoami({ authorization: `Bearer ${await other.sign(claims, { typ: 'at+jwt' })}` })).status).toBe(401);
    const idToken = await s.idp.sign({ ...claims, nonce: 'n' }, { typ: 'JWT' });
    expect((await whoami({ authorization: `Bearer ${idToken}` })).status).toBe(401);
  });
});

describe('back-channel logout', () => {
  const endpoint = () => `${s.base}/auth/login/kc/backchannel-logout`;
  const post = (token: string) =>
    fetch(endpoint(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: token }).toString(),
    });
  const logoutClaims = (over: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: s.idp.issuer,
      aud: 'gatehouse',
      iat: now,
      exp: now + 120,
      jti: `jti-${Math.random()}`,
      sub: 'nobody',
      events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
      ...over,
    };
  };

  it("ends the Gatehouse sessions of the provider session when the IdP sends its logout token (the OP's own sender)", async () => {
    const { jar } = await sso('kc', 'ada');
    expect((await whoami({ cookie: jar.header() })).status).toBe(200);
    await s.idp.backchannelLogout('ada', 'gatehouse');
    // The session is gone from the store at once...
    const refreshed = await fetch(`${s.base}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: jar.header(), origin: new URL(s.base).origin },
      body: JSON.stringify({ mode: 'session' }),
    });
    expect(refreshed.status).toBe(401);
    // ...and the proxy drops its cached session on the published revocation.
    await waitFor(async () => (await whoami({ cookie: jar.header(), accept: 'application/json' })).status === 401, 3000, 50);
  });

  it('accepts a valid token once: the replay of its jti is 400', async () => {
    const token = await s.idp.sign(logoutClaims(), { typ: 'logout+jwt' });
    const first = await post(token);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const again = await post(token);
    expect(again.status).toBe(400);
    expect(again.headers.get('cache-control')).toBe('no-store');
  });

  it.each([
    ['no events claim', { events: undefined }, {}],
    ['an events claim without the logout event', { events: { other: {} } }, {}],
    ['a nonce', { nonce: 'n' }, {}],
    ['typ JWT', {}, { typ: 'JWT' }],
    ['another audience', { aud: 'someone-else' }, {}],
    ['another issuer', { iss: 'https://evil.example' }, {}],
    ['neither sid nor sub', { sub: undefined }, {}],
    ['no jti', { jti: undefined }, {}],
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 3600 }, {}],
  ])('answers 400 to a logout token with %s', async (_name, over, header) => {
    const token = await s.idp.sign(logoutClaims(over), { typ: 'logout+jwt', ...header });
    const res = await post(token);
    expect(res.status).toBe(400);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('answers 400 to a forged signature, garbage and a missing token', async () => {
    expect((await post(await other.sign(logoutClaims(), { typ: 'logout+jwt' }))).status).toBe(400);
    expect((await post('not.a.jwt')).status).toBe(400);
    const empty = await fetch(endpoint(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(empty.status).toBe(400);
  });
});

describe('JWKS rotation at the IdP', () => {
  it('picks a new kid up at once and refuses a removed key once the cache TTL has passed', async () => {
    const oldKid = s.idp.publicKeys()[0]!.kid!;
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: s.idp.issuer, sub: 'ada', aud: API_AUDIENCE, iat: now, exp: now + 300 };
    const oldToken = await s.idp.sign({ ...claims, jti: 'old' }, { typ: 'at+jwt' });
    expect((await whoami({ authorization: `Bearer ${oldToken}` })).status).toBe(200);
    const newKid = await s.idp.rotateKeys();
    const newToken = await s.idp.sign({ ...claims, jti: 'new' }, { typ: 'at+jwt' }, newKid);
    expect((await whoami({ authorization: `Bearer ${newToken}` })).status).toBe(200);
    // SSO logins verify ID tokens signed with the new key too.
    expect((await sso('kc', 'ada')).jar.cookies.has('gatehouse_session_token')).toBe(true);
    await s.idp.removeKey(oldKid);
    await new Promise((r) => setTimeout(r, 1300)); // PROXY_PROVIDER_JWKS_TTL is 1s
    expect((await whoami({ authorization: `Bearer ${oldToken}` })).status).toBe(401);
    expect((await whoami({ authorization: `Bearer ${newToken}` })).status).toBe(200);
  });
});
