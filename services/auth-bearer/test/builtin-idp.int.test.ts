import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import * as oidc from 'openid-client';
import {
  CLI_CLIENT_ID,
  GatehouseError,
  builtinClientSecret,
  createLogger,
  MemoryBus,
  NatsBus,
  RedisStore,
  createTokenClient,
  type CredentialChecker,
  type EventBus,
} from '@gatehouse/shared';
import { FakeClock, MemoryUserDirectory, TestBrowser, eventually, freePort } from '@gatehouse/shared/testing';
import { createApp, loadConfig, longestTokenLifetimeMs } from '../src/index.js';
import { SECRET, startBackends, type Backends } from './harness.js';

// auth-bearer's built-in OpenID Provider on its own (no proxy): what only this level can show.
// Three instances share one Redis, as a distributed deployment does: A (at PUBLIC_URL) and C also
// share NATS; B has a bus of its own, so only its key cache TTL tells it of a rotation elsewhere.
const PASSWORD = 'a long enough password 1';

/** The password check as auth-basic answers it, for users of the in-memory directory. */
function credentialsOf(users: MemoryUserDirectory): CredentialChecker {
  return {
    async checkCredentials(a) {
      const user = await users.getUser({ email: a.email });
      if (!user || a.password !== PASSWORD) throw new GatehouseError('INVALID_CREDENTIALS');
      return { user, amr: ['pwd'] };
    },
  };
}

describe('built-in OpenID Provider (auth-bearer, three instances on one Redis)', () => {
  let b: Backends;
  let port: number;
  let publicUrl: string;
  const users = new MemoryUserDirectory();
  const clock = new FakeClock(Date.now());
  const running: Array<{ stop(): Promise<void> }> = [];

  async function instance(httpAddr: string, bus: EventBus = new MemoryBus()) {
    const config = loadConfig({
      GATEHOUSE_SECRET: SECRET,
      PUBLIC_URL: publicUrl,
      REDIS_URL: b.redis.url,
      AUTH_BEARER_HTTP_ADDR: httpAddr,
      AUTH_BEARER_GRPC_ADDR: '127.0.0.1:0',
      AUTH_BEARER_DEBUG_ADDR: '127.0.0.1:0',
      AUTH_BEARER_KEY_CACHE_TTL: '1s',
    });
    const store = new RedisStore({ url: b.redis.url });
    await store.ready();
    const app = createApp(config, {
      store,
      bus,
      logger: createLogger({ service: 'idp-test', level: 'silent' }),
      clock,
      userDirectory: users,
      credentials: credentialsOf(users),
    });
    const ports = await app.start();
    running.push({ stop: async () => (await app.stop(), await store.close(), await bus.close()) });
    return { config, ports, base: `http://127.0.0.1:${ports.http}` };
  }

  let first: Awaited<ReturnType<typeof instance>>;
  let other: Awaited<ReturnType<typeof instance>>;
  let third: Awaited<ReturnType<typeof instance>>;
  let cli: oidc.Configuration;

  beforeAll(async () => {
    b = await startBackends();
    port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    // Instance A answers at PUBLIC_URL; B and C elsewhere, reached by rewriting the host.
    first = await instance(`127.0.0.1:${port}`, await NatsBus.connect({ url: b.nats.url }));
    other = await instance('127.0.0.1:0');
    third = await instance('127.0.0.1:0', await NatsBus.connect({ url: b.nats.url }));
    users.add({ id: 'u-1', email: 'one@example.test' });
    const secret = builtinClientSecret(SECRET, CLI_CLIENT_ID);
    cli = await oidc.discovery(new URL(`${publicUrl}/oidc`), CLI_CLIENT_ID, secret, oidc.ClientSecretPost(secret), {
      execute: [oidc.allowInsecureRequests],
    });
  }, 30_000);

  afterAll(async () => {
    for (const r of running.reverse()) await r.stop();
    await b?.stop();
  });

  const actionOf = (page: string, kind: string) =>
    /action="([^"]*)"/.exec(page.slice(page.indexOf(`/${kind}"`) - 200))![1]!.replace(/&#47;/g, '/');

  /** Code + PKCE for u-1: the login and consent forms are posted to `via` (default: A, at PUBLIC_URL). */
  async function signIn(opts: { via?: string; offline?: boolean } = {}) {
    const browser = new TestBrowser();
    const verifier = oidc.randomPKCECodeVerifier();
    const redirect = `http://127.0.0.1:${await freePort()}/api/auth/callback`;
    const url = oidc.buildAuthorizationUrl(cli, {
      redirect_uri: redirect,
      scope: opts.offline ? 'openid email offline_access' : 'openid email',
      ...(opts.offline ? { prompt: 'consent' } : {}),
      state: 'st',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const loginPage = await browser.follow(url, await browser.request(url));
    const loginAction = new URL(actionOf(await loginPage.res!.text(), 'login'), publicUrl);
    const posted = await browser.request(loginAction, { form: { email: 'one@example.test', password: PASSWORD }, via: opts.via });
    expect(posted.status).toBe(303);
    const consentPage = await browser.follow(publicUrl, posted);
    const consentAction = new URL(actionOf(await consentPage.res!.text(), 'consent'), publicUrl);
    const done = await browser.follow(consentAction, await browser.request(consentAction, { form: {}, via: opts.via }), (u) =>
      u.href.startsWith(redirect),
    );
    expect(done.url.searchParams.get('code')).toBeTruthy();
    return oidc.authorizationCodeGrant(cli, done.url, { pkceCodeVerifier: verifier, expectedState: 'st' });
  }

  const jwksAt = async (base: string) => (await (await fetch(`${base}/oidc/jwks`)).json()) as JSONWebKeySet;
  const kidsAt = async (base: string) => (await jwksAt(base)).keys.map((k) => k.kid);
  const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid;
  /** Verifies a token of the built-in IdP against the keys it publishes now. */
  const verifyAt = async (base: string, jwt: string, audience: string) =>
    (await jwtVerify(jwt, createLocalJWKSet(await jwksAt(base)), { issuer: `${publicUrl}/oidc`, audience })).payload;

  it('lets another instance finish a flow one began: login on A, consent on B, code exchanged at A', async () => {
    // The login form is posted to B: B finds A's interaction in Redis and reads A's signed cookie.
    const set = await signIn({ via: other.base });
    expect(set.claims()!.sub).toBe('u-1');
    expect(decodeJwt(set.access_token)).toMatchObject({ sub: 'u-1', iss: `${publicUrl}/oidc`, aud: 'gatehouse' });
  });

  it('refuses to start with every bad AUTH_OIDC_CLIENTS entry listed at once', () => {
    const bad = JSON.stringify([
      { client_id: 'gatehouse-cli', redirect_uris: ['https://x.example/cb'], client_secret: 'x'.repeat(32) },
      { client_id: 'web', redirect_uris: ['http://evil.example/cb'] },
      {
        client_id: 'pub',
        token_endpoint_auth_method: 'none',
        client_secret: 'y'.repeat(32),
        redirect_uris: ['https://a.example/cb'],
        extra: 1,
      },
    ]);
    let message = '';
    try {
      loadConfig({ GATEHOUSE_SECRET: SECRET, AUTH_OIDC_CLIENTS: bad });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/AUTH_OIDC_CLIENTS.*0.*client_id.*built-in/s);
    expect(message).toMatch(/redirect_uris/);
    expect(message).toMatch(/client_secret/);
    expect(message).toMatch(/extra/);
  });

  describe('after TokenService.RotateKeys on A', () => {
    let before: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
    let oldKid: string;
    let newKid: string;

    beforeAll(async () => {
      before = await signIn({ offline: true });
      [oldKid] = (await kidsAt(first.base)) as [string];
      for (const base of [other.base, third.base]) expect(await kidsAt(base)).toEqual([oldKid]);
      const grpc = createTokenClient(`127.0.0.1:${first.ports.grpc}`);
      try {
        ({ kid: newKid } = await grpc.RotateKeys({}));
      } finally {
        grpc.close();
      }
    });

    it('publishes the new kid at /oidc/jwks at once, the old one beside it, the new one first', async () => {
      expect(newKid).not.toBe(oldKid);
      expect(await kidsAt(first.base)).toEqual([newKid, oldKid]);
    });

    it('signs new ID tokens and access tokens with the new key; both verify against /oidc/jwks', async () => {
      const set = await signIn();
      expect(kidOf(set.id_token!)).toBe(newKid);
      expect(kidOf(set.access_token)).toBe(newKid);
      await expect(verifyAt(first.base, set.id_token!, CLI_CLIENT_ID)).resolves.toMatchObject({ sub: 'u-1' });
      await expect(verifyAt(first.base, set.access_token, 'gatehouse')).resolves.toMatchObject({ sub: 'u-1' });
    });

    it('keeps tokens issued before the rotation verifying, and refreshes them into tokens of the new key', async () => {
      expect(kidOf(before.access_token)).toBe(oldKid);
      await expect(verifyAt(first.base, before.id_token!, CLI_CLIENT_ID)).resolves.toMatchObject({ sub: 'u-1' });
      await expect(verifyAt(first.base, before.access_token, 'gatehouse')).resolves.toMatchObject({ sub: 'u-1' });
      const refreshed = await oidc.refreshTokenGrant(cli, before.refresh_token!);
      expect(kidOf(refreshed.access_token)).toBe(newKid);
      expect(kidOf(refreshed.id_token!)).toBe(newKid);
    });

    it('reaches an instance on the same NATS by keys.rotated, and one that hears nothing within AUTH_BEARER_KEY_CACHE_TTL', async () => {
      await eventually(async () => (await kidsAt(third.base)).join() === [newKid, oldKid].join());
      // B's cached view is younger than its TTL (the clock has not moved): still the old key alone.
      expect(await kidsAt(other.base)).toEqual([oldKid]);
      clock.advance(other.config.AUTH_BEARER_KEY_CACHE_TTL + 1);
      expect(await kidsAt(other.base)).toEqual([newKid, oldKid]);
      // A flow finished on B signs with the new key too.
      const set = await signIn({ via: other.base });
      expect(kidOf(set.access_token)).toBe(newKid);
    });

    it('drops the old kid from /oidc/jwks once its retention (longest token lifetime + cache TTL) has passed', async () => {
      const retention = longestTokenLifetimeMs(first.config) + first.config.AUTH_BEARER_KEY_CACHE_TTL;
      clock.advance(retention - 5_000);
      expect(await kidsAt(first.base)).toEqual([newKid, oldKid]);
      clock.advance(5_000);
      expect(await kidsAt(first.base)).toEqual([newKid]);
      expect(await kidsAt(other.base)).toEqual([newKid]);
    });
  });
});
