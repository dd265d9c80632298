import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import {
  CLI_CLIENT_ID,
  GatehouseError,
  builtinClientSecret,
  createLogger,
  MemoryBus,
  RedisStore,
  type CredentialChecker,
} from '@gatehouse/shared';
import { FakeClock, TestBrowser, freePort } from '@gatehouse/shared/testing';
import { createApp, loadConfig } from '../src/index.js';
import { InMemoryUserDirectory, SECRET, startBackends, type Backends } from './harness.js';

// auth-bearer's built-in OpenID Provider on its own (no proxy): what only this level can show.
// Two instances share one Redis, as a distributed deployment does.
const PASSWORD = 'a long enough password 1';

/** The password check as auth-basic answers it, for users of the in-memory directory. */
function credentialsOf(users: InMemoryUserDirectory): CredentialChecker {
  return {
    async checkCredentials(a) {
      const user = await users.getUser({ email: a.email });
      if (!user || a.password !== PASSWORD) throw new GatehouseError('INVALID_CREDENTIALS');
      return { user, amr: ['pwd'] };
    },
  };
}

describe('built-in OpenID Provider (auth-bearer, two instances on one Redis)', () => {
  let b: Backends;
  let port: number;
  let publicUrl: string;
  const users = new InMemoryUserDirectory();
  const clock = new FakeClock(Date.now());
  const running: Array<{ stop(): Promise<void> }> = [];

  async function instance(httpAddr: string) {
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
      bus: new MemoryBus(),
      logger: createLogger({ service: 'idp-test', level: 'silent' }),
      clock,
      users,
      credentials: credentialsOf(users),
    });
    const ports = await app.start();
    running.push({ stop: async () => (await app.stop(), await store.close()) });
    return { config, ports, base: `http://127.0.0.1:${ports.http}` };
  }

  let other: Awaited<ReturnType<typeof instance>>;
  let cli: oidc.Configuration;

  beforeAll(async () => {
    b = await startBackends();
    port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    // Instance A answers at PUBLIC_URL; instance B elsewhere, reached by rewriting the host.
    await instance(`127.0.0.1:${port}`);
    other = await instance('127.0.0.1:0');
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

  it('lets another instance finish a flow one began: login on A, consent on B, code exchanged at A', async () => {
    const browser = new TestBrowser();
    const verifier = oidc.randomPKCECodeVerifier();
    const redirect = `http://127.0.0.1:${await freePort()}/api/auth/callback`;
    const url = oidc.buildAuthorizationUrl(cli, {
      redirect_uri: redirect,
      scope: 'openid email',
      state: 'st',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const loginPage = await browser.follow(url, await browser.request(url));
    const loginAction = new URL(actionOf(await loginPage.res!.text(), 'login'), publicUrl);
    // The login form is posted to B: B finds A's interaction in Redis and reads A's signed cookie.
    const posted = await browser.request(loginAction, { form: { email: 'one@example.test', password: PASSWORD }, via: other.base });
    expect(posted.status).toBe(303);
    const consentPage = await browser.follow(publicUrl, posted);
    const consentAction = new URL(actionOf(await consentPage.res!.text(), 'consent'), publicUrl);
    const done = await browser.follow(consentAction, await browser.request(consentAction, { form: {}, via: other.base }), (u) =>
      u.href.startsWith(redirect),
    );
    expect(done.url.searchParams.get('code')).toBeTruthy();
    const set = await oidc.authorizationCodeGrant(cli, done.url, { pkceCodeVerifier: verifier, expectedState: 'st' });
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
});
