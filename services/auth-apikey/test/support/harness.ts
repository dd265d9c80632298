import { Metadata } from '@grpc/grpc-js';
import {
  createApiKeyClient,
  createLogger,
  signIdentity,
  StaticKeySource,
  type ApiKeyClient,
  type Identity,
  type TokenClient,
} from '@gatehouse/shared';
import {
  freePort,
  MemoryUserDirectory,
  startOidcProvider,
  testKeyPair,
  type HarnessOptions,
  type TestOidcProvider,
} from '@gatehouse/shared/testing';
import { createApp, type AuthApikeyApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123456789';
export const CLIENT_SECRET = 'apikey-client-secret-for-tests-0123456789';

type MintRequest = Parameters<TokenClient['MintAccessToken']>[0];

/** auth-bearer's MintAccessToken as the service tests see it: records each request (the e2e runs the real one). */
export class RecordingTokenService implements Pick<TokenClient, 'MintAccessToken'> {
  readonly requests: MintRequest[] = [];
  MintAccessToken(req: MintRequest) {
    this.requests.push(req);
    return Promise.resolve({ access_token: `minted-${this.requests.length}`, expires_at_ms: 0, token_type: 'Bearer' });
  }
}

export interface Harness {
  app: AuthApikeyApp;
  idp: TestOidcProvider;
  users: MemoryUserDirectory;
  tokens: RecordingTokenService;
  base: string;
  grpcAddr: string;
  client: ApiKeyClient;
  /** gRPC metadata carrying an identity as the proxy's gRPC entry signs it. */
  as(who: Partial<Identity> & { sub: string }): Promise<Metadata>;
  stop(): Promise<void>;
}

/**
 * The real auth-apikey on free ports against the given store and bus, a real oidc-provider as its IdP
 * (registered client gatehouse-apikey), an in-process user directory and a test identity key.
 */
export async function startHarness(opts: HarnessOptions & { idpTtl?: Parameters<typeof startOidcProvider>[0]['ttl'] }): Promise<Harness> {
  const httpPort = await freePort();
  const publicUrl = `http://127.0.0.1:${httpPort}`;
  const idp = await startOidcProvider({
    clients: [
      {
        client_id: 'gatehouse-apikey',
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${publicUrl}/apikey/oauthcallback`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    accounts: (id) => ({ email: `${id}@example.org`, email_verified: true }),
    idTokenClaims: true,
    ...(opts.idpTtl ? { ttl: opts.idpTtl } : {}),
  });
  const key = await testKeyPair();
  const users = new MemoryUserDirectory();
  const tokens = new RecordingTokenService();
  const config = loadConfig({
    GATEHOUSE_SECRET: TEST_SECRET,
    PUBLIC_URL: publicUrl,
    AUTH_APIKEY_HTTP_ADDR: `127.0.0.1:${httpPort}`,
    AUTH_APIKEY_GRPC_ADDR: '127.0.0.1:0',
    AUTH_APIKEY_DEBUG_ADDR: '127.0.0.1:0',
    AUTH_APIKEY_OIDC_ISSUER_URL: idp.issuer,
    AUTH_APIKEY_OIDC_CLIENT_SECRET: CLIENT_SECRET,
    AUTH_APIKEY_SCOPES: 'read:things,write:things',
    AUTH_APIKEY_REDIRECT_ALLOW_LIST: 'https://app.example/keys',
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const app = createApp(config, {
    store: opts.store,
    bus: opts.bus,
    clock: opts.clock,
    logger: opts.logger ?? createLogger({ service: 'auth-apikey', level: 'silent' }),
    userDirectory: users,
    tokenClient: tokens,
    identityKeys: new StaticKeySource({ keys: [key.publicJwk] }),
  });
  let ports: Awaited<ReturnType<AuthApikeyApp['start']>>;
  try {
    ports = await app.start();
  } catch (err) {
    await idp.close();
    throw err;
  }
  const grpcAddr = `127.0.0.1:${ports.grpc}`;
  const client = createApiKeyClient(grpcAddr);
  return {
    app,
    idp,
    users,
    tokens,
    base: publicUrl,
    grpcAddr,
    client,
    async as(who) {
      const md = new Metadata();
      md.set(
        'x-gatehouse-identity',
        await signIdentity(
          { roles: [], groups: [], scopes: [], amr: ['pwd'], auth_method: 'bearer', ...who },
          key,
          300,
          opts.clock,
          'auth-apikey',
        ),
      );
      return md;
    },
    async stop() {
      client.close();
      await app.stop();
      await idp.close();
    },
  };
}
