import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createLogger } from '@gatehouse/shared';
import {
  signInAtIdp,
  startNats,
  startOidcProvider,
  startRedis,
  type SpawnedServer,
  type TestOidcProvider,
} from '@gatehouse/shared/testing';
import { parseCommand, startAllInOne, type RunningRuntime } from '../src/index.js';
import { call, claimsOf, ok, passwordLogin, seedClient, uuidText, whoamiWith, type SeedClient } from './apikey-helpers.js';
import { json, onFreePorts, waitFor } from './helpers.js';

const CLIENT_SECRET = 'apikey-client-secret-for-the-e2e-0123456789';

// The whole lifecycle with the production backends: every service in one process (auth-apikey added),
// real Redis and NATS, a real oidc-provider as the IdP, driven only through the proxy's HTTP and gRPC
// entries with a client built from the seed proto, and through the gatehouse command.
describe('API keys end to end: seed 002 through the proxy, authorized at a real oidc-provider', () => {
  let redis: SpawnedServer;
  let nats: SpawnedServer;
  let idp: TestOidcProvider;
  let rt: RunningRuntime;
  let addrs: Record<string, string>;
  let base: string;
  let client: SeedClient;
  const loginDir = join(mkdtempSync(join(tmpdir(), 'gh-cfg-')), 'gatehouse');
  const adminPassword = 'admin password for tests 1';

  const login = (email: string, password: string) => passwordLogin(base, email, password);
  const whoami = (token: string) => whoamiWith(base, token);
  const cli = async (argv: string[], extra: Record<string, string> = {}) => {
    const lines: string[] = [];
    const cmd = parseCommand(
      argv,
      // An empty login folder: no stored login of whoever runs the tests is used.
      {
        ...addrs,
        AUTH_BASIC_GRPC_ENDPOINT: addrs.AUTH_BASIC_GRPC_ADDR!,
        PROXY_GRPC_ENDPOINT: addrs.PROXY_GRPC_ADDR!,
        GATEHOUSE_CONFIG_DIR: loginDir,
        ...extra,
      },
      (l) => lines.push(l),
    );
    if (cmd.kind !== 'once') throw new Error('expected a one-shot command');
    await cmd.run();
    return lines.join('\n');
  };
  /** The browser's way back: the IdP's redirect to PUBLIC_URL/apikey/oauthcallback, through the proxy. */
  const callback = (url: URL) => fetch(url, { redirect: 'manual' });
  const authorize = async (authorizeURL: string, login: string) => {
    const back = await signInAtIdp(authorizeURL, { login });
    expect(back.origin).toBe(base);
    return callback(back);
  };

  beforeAll(async () => {
    [redis, nats] = await Promise.all([startRedis(), startNats()]);
    ({ addrs, value: rt } = await onFreePorts(async (a) => {
      idp = await startOidcProvider({
        clients: [
          {
            client_id: 'gatehouse-apikey',
            client_secret: CLIENT_SECRET,
            redirect_uris: [`http://${a.PROXY_HTTP_ADDR}/apikey/oauthcallback`],
            grant_types: ['authorization_code', 'refresh_token'],
            response_types: ['code'],
          },
        ],
      });
      try {
        return await startAllInOne(
          {
            ...a,
            REDIS_URL: redis.url,
            NATS_URL: nats.url,
            GATEHOUSE_ADD_RUN_SERVICES: 'auth-apikey',
            AUTH_APIKEY_OIDC_ISSUER_URL: idp.issuer,
            AUTH_APIKEY_OIDC_CLIENT_SECRET: CLIENT_SECRET,
            AUTH_APIKEY_SCOPES: 'read:things,write:things',
            GATEHOUSE_ADMIN_PASSWORD: adminPassword,
            LOGIN_STALL_TIME: '20ms',
            BCRYPT_COST: '8',
            LOG_LEVEL: 'silent',
          },
          {
            logger: createLogger({ service: 'test', level: 'silent' }),
            print: () => undefined,
            dataDir: mkdtempSync(join(tmpdir(), 'gh-')),
          },
        );
      } catch (err) {
        await idp.close();
        throw err;
      }
    }));
    base = `http://${addrs.PROXY_HTTP_ADDR}`;
    client = seedClient(addrs.PROXY_GRPC_ADDR!);
    await waitFor(async () => (await fetch(`http://${addrs.PROXY_DEBUG_ADDR}/readyz`)).status === 200);
    await waitFor(async () => (await fetch(`http://${addrs.AUTH_APIKEY_DEBUG_ADDR}/readyz`)).status === 200);
    for (const who of ['alice', 'bob', 'carol'])
      await cli(['users', 'create', `--email=${who}@example.com`, `--password=${who} has a long password`]);
  }, 90_000);

  afterAll(async () => {
    client?.close();
    await rt?.stop();
    await idp?.close();
    await Promise.all([redis?.stop(), nats?.stop()]);
  });

  it('create → authorize at the IdP → READY → exchange → /whoami → refresh (old key refused) → delete (exchange and tokens refused)', async () => {
    const alice = await login('alice@example.com', 'alice has a long password');

    // Create: an UNAUTHORIZED key and the URL at the IdP.
    const created = ok(
      await call(client, 'CreateAPIKey', { name: 'ci', scopes: ['read:things'], finalFrontendRedirect: '/whoami' }, alice.token),
    );
    const { uuid, key } = created.key.metadata;
    expect(created.key.metadata.status).toBe('KEY_STATUS_UNAUTHORIZED');
    expect(new URL(created.authorizeURL).origin).toBe(idp.issuer);

    // Authorize: alice signs in at the IdP's login form; the callback (through the proxy) sends her back.
    const res = await authorize(created.authorizeURL, alice.id);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/whoami');
    expect(ok(await call(client, 'GetAPIKey', { uuid }, alice.token)).key.metadata.status).toBe('KEY_STATUS_READY');

    // Exchange (no credential needed) for a token auth-bearer minted, then /whoami with it.
    const first = ok(await call(client, 'ExchangeKeyForToken', { apiKey: key })).accessToken;
    const claims = claimsOf(first);
    expect(claims).toMatchObject({ sub: alice.id, amr: ['apikey'], scope: 'read:things', api_key_id: uuidText(uuid), api_key_gen: 1 });
    expect(claims.exp - claims.iat).toBe(600);
    expect(claims).not.toHaveProperty('sid');
    const seen = await whoami(first);
    expect(seen.status).toBe(200);
    expect((await json(seen)).data.identity).toMatchObject({ sub: alice.id, amr: ['apikey'], scopes: ['read:things'] });

    // Refresh: a new secret under the same uuid; the old key is refused at once, its tokens within the bound.
    const refreshed = ok(await call(client, 'RefreshAPIKey', { uuid, finalFrontendRedirect: '' }, alice.token)).response;
    expect(refreshed.key.metadata).toMatchObject({ uuid, status: 'KEY_STATUS_UNAUTHORIZED' });
    expect(await call(client, 'ExchangeKeyForToken', { apiKey: key })).toEqual({
      code: grpc.status.UNAUTHENTICATED,
      gatehouse: 'INVALID_CREDENTIALS',
    });
    await waitFor(async () => (await whoami(first)).status === 401, 5000, 50);
    expect((await authorize(refreshed.authorizeURL, alice.id)).status).toBe(200);
    const second = ok(await call(client, 'ExchangeKeyForToken', { apiKey: refreshed.key.metadata.key })).accessToken;
    expect(claimsOf(second)).toMatchObject({ api_key_id: uuidText(uuid), api_key_gen: 2 });
    expect((await whoami(second)).status).toBe(200);
    expect((await whoami(first)).status).toBe(401);

    // Delete: the exchange is refused and the tokens minted from the key are refused at the proxy.
    ok(await call(client, 'DeleteAPIKey', { uuid }, alice.token));
    expect(await call(client, 'ExchangeKeyForToken', { apiKey: refreshed.key.metadata.key })).toMatchObject({
      gatehouse: 'INVALID_CREDENTIALS',
    });
    const refusedAfterMs = await (async () => {
      const started = Date.now();
      await waitFor(async () => (await whoami(second)).status === 401, 5000, 20);
      return Date.now() - started;
    })();
    expect(refusedAfterMs).toBeLessThan(5000); // PROXY_REVOCATION_MAX_STALENESS
    expect(await call(client, 'GetAPIKey', { uuid }, alice.token)).toMatchObject({ code: grpc.status.NOT_FOUND });
  }, 60_000);

  it('refuses what must be refused: raw keys as credentials, delegated callers, others’ keys, bad scopes and redirects', async () => {
    const alice = await login('alice@example.com', 'alice has a long password');
    const bob = await login('bob@example.com', 'bob has a long password');
    const created = ok(
      await call(client, 'CreateAPIKey', { name: 'refusals', scopes: ['write:things'], finalFrontendRedirect: '' }, alice.token),
    );
    const { uuid, key } = created.key.metadata;
    await authorize(created.authorizeURL, alice.id);
    const apiKeyToken = ok(await call(client, 'ExchangeKeyForToken', { apiKey: key })).accessToken;

    const raw = await whoami(key);
    expect(raw.status).toBe(401);
    expect((await json(raw)).errors[0].extensions.code).toBe('API_KEY_NOT_ACCEPTED');
    expect(await call(client, 'ListAPIKeys', {}, key)).toEqual({ code: grpc.status.UNAUTHENTICATED, gatehouse: 'API_KEY_NOT_ACCEPTED' });
    expect(await call(client, 'ListAPIKeys', {})).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    // A token minted from a key never administers keys.
    expect(await call(client, 'ListAPIKeys', {}, apiKeyToken)).toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      gatehouse: 'FORBIDDEN',
    });
    expect(await call(client, 'CreateAPIKey', { name: 'x', scopes: [], finalFrontendRedirect: '' }, apiKeyToken)).toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
    });

    for (const method of ['GetAPIKey', 'DeleteAPIKey'] as const)
      expect(await call(client, method, { uuid }, bob.token)).toMatchObject({ code: grpc.status.NOT_FOUND, gatehouse: 'NOT_FOUND' });
    expect(await call(client, 'UpdateAPIKey', { uuid, properties: { name: 'mine' } }, bob.token)).toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
    expect(await call(client, 'CreateAPIKey', { name: 'x', scopes: ['admin'], finalFrontendRedirect: '' }, alice.token)).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    });
    expect(
      await call(client, 'CreateAPIKey', { name: 'x', scopes: [], finalFrontendRedirect: 'https://evil.example/' }, alice.token),
    ).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    });
    const renamed = ok(await call(client, 'UpdateAPIKey', { uuid, properties: { name: 'renamed' } }, alice.token));
    expect(renamed.key.properties.name).toBe('renamed');
  }, 60_000);

  it('keeps the callback honest: state replay, unknown state, another person, an IdP error', async () => {
    const alice = await login('alice@example.com', 'alice has a long password');
    const bob = await login('bob@example.com', 'bob has a long password');
    const make = async () =>
      ok(await call(client, 'CreateAPIKey', { name: 'cb', scopes: [], finalFrontendRedirect: '/done' }, alice.token));
    const statusOf = async (uuid: Buffer) => ok(await call(client, 'GetAPIKey', { uuid }, alice.token)).key.metadata;

    const replayed = await make();
    const back = await signInAtIdp(replayed.authorizeURL, { login: alice.id });
    expect((await callback(back)).status).toBe(302);
    const again = await callback(back);
    expect(again.status).toBe(400);
    expect((await json(again)).errors[0].extensions.code).toBe('INVALID_REQUEST');
    const unknown = new URL(back);
    unknown.searchParams.set('state', 'made-up-state');
    expect((await callback(unknown)).status).toBe(400);

    const stolen = await make();
    expect((await authorize(stolen.authorizeURL, bob.id)).status).toBe(302);
    expect(await statusOf(stolen.key.metadata.uuid)).toMatchObject({ status: 'KEY_STATUS_ERROR', error: 'identity_mismatch' });

    const cancelled = await make();
    const denied = await signInAtIdp(cancelled.authorizeURL, { login: alice.id, abort: true });
    expect((await callback(denied)).status).toBe(302);
    expect(await statusOf(cancelled.key.metadata.uuid)).toMatchObject({ status: 'KEY_STATUS_ERROR', error: 'access_denied' });
  }, 60_000);

  it('gatehouse apikeys create|list|exchange|delete, and a disabled user’s key and tokens are revoked', async () => {
    const carol = await login('carol@example.com', 'carol has a long password');
    const created = JSON.parse(
      await cli(['apikeys', 'create', '--name=nightly', '--scope=read:things', '--scope=write:things', `--token=${carol.token}`]),
    ) as {
      uuid: string;
      key: string;
      status: string;
      authorizeURL: string;
    };
    expect(created.status).toBe('KEY_STATUS_UNAUTHORIZED');
    expect((await authorize(created.authorizeURL, carol.id)).status).toBe(200);
    expect(await cli(['apikeys', 'list'], { GATEHOUSE_TOKEN: carol.token })).toMatch(
      new RegExp(`^${created.uuid}\\tnightly\\tREADY\\tread:things write:things\\t`),
    );
    const token = await cli(['apikeys', 'exchange'], { GATEHOUSE_API_KEY: created.key });
    expect(claimsOf(token)).toMatchObject({ sub: carol.id, scope: 'read:things write:things' });
    expect((await whoami(token)).status).toBe(200);
    await expect(cli(['apikeys', 'list'])).rejects.toThrow(/not signed in: run `gatehouse login`/);

    await cli(['users', 'disable', '--email=carol@example.com']);
    await waitFor(async () => (await whoami(token)).status === 401, 5000, 50);
    await expect(cli(['apikeys', 'exchange'], { GATEHOUSE_API_KEY: created.key })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  }, 60_000);
});
