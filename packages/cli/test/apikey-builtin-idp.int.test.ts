import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as oidc from 'openid-client';
import { createLogger } from '@gatehouse/shared';
import { TestBrowser, signInAtIdp, startNats, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { startAllInOne, parseCommand, type RunningRuntime } from '../src/index.js';
import { call, claimsOf, ok, passwordLogin, seedClient, uuidText, whoamiWith, type SeedClient } from './apikey-helpers.js';
import { json, onFreePorts, waitFor } from './helpers.js';

// API keys authorized at the BUILT-IN IdP (auth-bearer's PUBLIC_URL/oidc) with the default
// configuration: no AUTH_APIKEY_OIDC_* variable is set, so auth-apikey finds the issuer, the client
// id and the secret on its own, and the IdP has registered gatehouse-apikey to match (redirect URI,
// client_secret_basic, authorization_code + refresh_token, offline_access kept by prompt=consent).
// The browser part is plain HTTP with cookies through the proxy: the IdP's login and consent pages,
// then the callback at PUBLIC_URL/apikey/oauthcallback. Real Redis and NATS.
const PASSWORD = { alice: 'alice has a long password 1', bob: 'bob has a long password 1' };
/** A third party of AUTH_OIDC_CLIENTS: its tokens carry amr oidc_client. */
const THIRD_PARTY = {
  client_id: 'third-party',
  application_type: 'native',
  token_endpoint_auth_method: 'none',
  redirect_uris: ['http://127.0.0.1/cb'],
};

describe('API keys authorized at the built-in IdP, default configuration (real Redis + NATS, through the proxy)', () => {
  let redis: SpawnedServer;
  let nats: SpawnedServer;
  let rt: RunningRuntime;
  let addrs: Record<string, string>;
  let base: string;
  let client: SeedClient;

  const cli = async (argv: string[]) => {
    const cmd = parseCommand(argv, { ...addrs, AUTH_BASIC_GRPC_ENDPOINT: addrs.AUTH_BASIC_GRPC_ADDR! }, () => undefined);
    if (cmd.kind !== 'once') throw new Error('expected a one-shot command');
    await cmd.run();
  };
  const login = (email: string, password: string) => passwordLogin(base, email, password);
  const whoami = (token: string) => whoamiWith(base, token);
  /** A person in a fresh browser: the IdP's login form (e-mail, password), its consent page, back to the callback. */
  const authorize = async (authorizeURL: string, email: string, password: string) => {
    const browser = new TestBrowser();
    const back = await signInAtIdp(authorizeURL, { login: email, password, browser });
    expect(back.href.startsWith(`${base}/apikey/oauthcallback?`)).toBe(true);
    // Only the IdP's own cookies were set on the way.
    expect(browser.cookieNames().every((n) => n.startsWith('gatehouse_oidc_'))).toBe(true);
    return browser.request(back);
  };

  beforeAll(async () => {
    [redis, nats] = await Promise.all([startRedis(), startNats()]);
    ({ addrs, value: rt } = await onFreePorts((a) =>
      startAllInOne(
        {
          ...a,
          REDIS_URL: redis.url,
          NATS_URL: nats.url,
          GATEHOUSE_SECRET: 'apikey-builtin-idp-secret-0123456789abcdef',
          GATEHOUSE_ADD_RUN_SERVICES: 'auth-apikey',
          AUTH_APIKEY_SCOPES: 'read:things',
          // Every exchange after a second refreshes the key's grant at the built-in IdP (refresh_token grant).
          AUTH_APIKEY_GRANT_MAX_AGE: '1s',
          AUTH_OIDC_CLIENTS: JSON.stringify([THIRD_PARTY]),
          GATEHOUSE_ADMIN_PASSWORD: 'admin password for tests 1',
          LOGIN_STALL_TIME: '20ms',
          BCRYPT_COST: '8',
          LOG_LEVEL: 'silent',
        },
        { logger: createLogger({ service: 'test', level: 'silent' }), print: () => undefined, dataDir: mkdtempSync(join(tmpdir(), 'gh-')) },
      ),
    ));
    base = `http://${addrs.PROXY_HTTP_ADDR}`;
    client = seedClient(addrs.PROXY_GRPC_ADDR!);
    await waitFor(async () => (await fetch(`http://${addrs.PROXY_DEBUG_ADDR}/readyz`)).status === 200);
    await waitFor(async () => (await fetch(`http://${addrs.AUTH_APIKEY_DEBUG_ADDR}/readyz`)).status === 200);
    for (const [who, password] of Object.entries(PASSWORD))
      await cli(['users', 'create', `--email=${who}@example.com`, `--password=${password}`]);
  }, 90_000);

  afterAll(async () => {
    client?.close();
    await rt?.stop();
    await Promise.all([redis?.stop(), nats?.stop()]);
  });

  it('create → the built-in IdP’s login form → callback → READY → exchange → /whoami → refresh (old key refused) → delete (exchange and tokens refused)', async () => {
    const alice = await login('alice@example.com', PASSWORD.alice);

    const created = ok(
      await call(client, 'CreateAPIKey', { name: 'ci', scopes: ['read:things'], finalFrontendRedirect: '/whoami' }, alice.token),
    );
    const { uuid, key } = created.key.metadata;
    expect(created.key.metadata.status).toBe('KEY_STATUS_UNAUTHORIZED');
    // The default issuer is the built-in IdP, behind the proxy: gatehouse-apikey, its registered redirect, consent for a refresh token.
    const at = new URL(created.authorizeURL);
    expect(`${at.origin}${at.pathname}`).toBe(`${base}/oidc/auth`);
    expect(Object.fromEntries(at.searchParams)).toMatchObject({
      client_id: 'gatehouse-apikey',
      redirect_uri: `${base}/apikey/oauthcallback`,
      response_type: 'code',
      scope: 'openid offline_access',
      prompt: 'consent',
      code_challenge_method: 'S256',
    });

    const res = await authorize(created.authorizeURL, 'alice@example.com', PASSWORD.alice);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/whoami');
    // READY needs the IdP's refresh token: the code exchange (client_secret_basic) gave one.
    expect(ok(await call(client, 'GetAPIKey', { uuid }, alice.token)).key.metadata).toMatchObject({
      status: 'KEY_STATUS_READY',
      error: '',
    });

    const first = ok(await call(client, 'ExchangeKeyForToken', { apiKey: key })).accessToken;
    expect(claimsOf(first)).toMatchObject({
      sub: alice.id,
      amr: ['apikey'],
      scope: 'read:things',
      api_key_id: uuidText(uuid),
      api_key_gen: 1,
    });
    const seen = await whoami(first);
    expect(seen.status).toBe(200);
    expect((await json(seen)).data.identity).toMatchObject({ sub: alice.id, amr: ['apikey'], scopes: ['read:things'] });

    // Past AUTH_APIKEY_GRANT_MAX_AGE the exchange refreshes the grant at the built-in IdP first; still READY.
    await new Promise((r) => setTimeout(r, 1100));
    const later = ok(await call(client, 'ExchangeKeyForToken', { apiKey: key })).accessToken;
    expect((await whoami(later)).status).toBe(200);
    expect(ok(await call(client, 'GetAPIKey', { uuid }, alice.token)).key.metadata.status).toBe('KEY_STATUS_READY');

    // Refresh: a new secret under the same uuid; the old key is refused at once, its tokens within the bound.
    const refreshed = ok(await call(client, 'RefreshAPIKey', { uuid, finalFrontendRedirect: '' }, alice.token)).response;
    expect(refreshed.key.metadata).toMatchObject({ uuid, status: 'KEY_STATUS_UNAUTHORIZED' });
    expect(await call(client, 'ExchangeKeyForToken', { apiKey: key })).toEqual({
      code: grpc.status.UNAUTHENTICATED,
      gatehouse: 'INVALID_CREDENTIALS',
    });
    await waitFor(async () => (await whoami(first)).status === 401 && (await whoami(later)).status === 401, 5000, 50);
    expect((await authorize(refreshed.authorizeURL, 'alice@example.com', PASSWORD.alice)).status).toBe(200);
    const second = ok(await call(client, 'ExchangeKeyForToken', { apiKey: refreshed.key.metadata.key })).accessToken;
    expect(claimsOf(second)).toMatchObject({ api_key_id: uuidText(uuid), api_key_gen: 2 });
    expect((await whoami(second)).status).toBe(200);

    // Delete: the exchange is refused, and the minted token within PROXY_REVOCATION_MAX_STALENESS (5 s).
    ok(await call(client, 'DeleteAPIKey', { uuid }, alice.token));
    expect(await call(client, 'ExchangeKeyForToken', { apiKey: refreshed.key.metadata.key })).toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
      gatehouse: 'INVALID_CREDENTIALS',
    });
    const started = Date.now();
    await waitFor(async () => (await whoami(second)).status === 401, 5000, 20);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await call(client, 'GetAPIKey', { uuid }, alice.token)).toMatchObject({ code: grpc.status.NOT_FOUND });
  }, 60_000);

  it('marks the key identity_mismatch when another user signs in at the built-in IdP, and keeps no grant', async () => {
    const alice = await login('alice@example.com', PASSWORD.alice);
    const created = ok(await call(client, 'CreateAPIKey', { name: 'stolen', scopes: [], finalFrontendRedirect: '/done' }, alice.token));
    const { uuid, key } = created.key.metadata;

    // Bob, with his own password at the same IdP, completes Alice's authorization.
    const res = await authorize(created.authorizeURL, 'bob@example.com', PASSWORD.bob);
    expect(res.status).toBe(302);
    expect(ok(await call(client, 'GetAPIKey', { uuid }, alice.token)).key.metadata).toMatchObject({
      status: 'KEY_STATUS_ERROR',
      error: 'identity_mismatch',
    });
    expect(await call(client, 'ExchangeKeyForToken', { apiKey: key })).toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      gatehouse: 'FORBIDDEN',
    });
  }, 60_000);

  it('treats a third-party app’s token from the built-in IdP (amr oidc_client) as delegated: it acts, but never administers', async () => {
    const meta = await oidc.discovery(new URL(`${base}/oidc`), THIRD_PARTY.client_id, undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(meta, {
      redirect_uri: THIRD_PARTY.redirect_uris[0]!,
      scope: 'openid profile email',
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const back = await signInAtIdp(url.href, { login: 'alice@example.com', password: PASSWORD.alice });
    const set = await oidc.authorizationCodeGrant(meta, back, { pkceCodeVerifier: verifier, expectedState: state });
    const token = set.access_token;
    expect(claimsOf(token).amr).toContain('oidc_client');
    expect(claimsOf(token).roles).toEqual([]);

    // It acts as Alice at an upstream…
    const seen = await whoami(token);
    expect(seen.status).toBe(200);
    expect((await json(seen)).data.identity.amr).toContain('oidc_client');
    // …but manages neither her API keys (auth-apikey) nor her sessions (auth-bearer): the shared selfCaller rule.
    const denied = { code: grpc.status.PERMISSION_DENIED, gatehouse: 'FORBIDDEN' };
    expect(await call(client, 'ListAPIKeys', {}, token)).toMatchObject(denied);
    expect(await call(client, 'CreateAPIKey', { name: 'x', scopes: [], finalFrontendRedirect: '' }, token)).toMatchObject(denied);
    const sessions = await fetch(`${base}/auth/sessions`, { headers: { authorization: `Bearer ${token}` } });
    expect(sessions.status).toBe(403);
    expect((await json(sessions)).errors[0].extensions.code).toBe('FORBIDDEN');
    // Alice in person may.
    const alice = await login('alice@example.com', PASSWORD.alice);
    expect('ok' in (await call(client, 'ListAPIKeys', {}, alice.token))).toBe(true);
  }, 60_000);
});
