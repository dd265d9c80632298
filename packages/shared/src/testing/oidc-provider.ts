import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { ClientMetadata, Configuration, KoaContextWithOIDC } from 'oidc-provider';

/** Claims of an account at the test IdP (its `sub` is the login typed into the form). */
export interface TestAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
  [claim: string]: unknown;
}

export interface StartOidcProviderOptions {
  clients: ClientMetadata[];
  /** Claims by login; a login not listed signs in with only `sub`. */
  accounts?: Record<string, TestAccount>;
  /** Put profile and email claims into ID tokens too (default false: userinfo only, as many IdPs do). */
  idTokenClaims?: boolean;
  /** Resource servers issued JWT access tokens: audience (resource indicator) → scope. */
  resources?: Record<string, string>;
  /** Issue refresh tokens to clients allowed the refresh_token grant, without offline_access (default false). */
  refreshTokens?: boolean;
  /** Signing algorithm of the keys generated at start (default RS256, what clients expect of ID tokens). */
  alg?: 'RS256' | 'ES256';
}

interface SigningKey {
  kid: string;
  alg: string;
  privateJwk: JWK;
  publicJwk: JWK;
  privateKey: CryptoKey;
}

export interface TestOidcProvider {
  /** http://127.0.0.1:<port>: the issuer, also the base of every endpoint. */
  issuer: string;
  /** Public keys currently published, active key first. */
  publicKeys(): JWK[];
  /** Generates a new active key; the previous ones stay published. Returns its kid. */
  rotateKeys(): Promise<string>;
  /** Stops publishing (and signing with) a key. */
  removeKey(kid: string): Promise<void>;
  /**
   * Follows an authorization URL through the IdP's own login form (dev interactions) as `login`,
   * with a cookie jar, and returns where the IdP finally redirects (the client's callback).
   */
  login(authorizationUrl: string, login: string, jar?: Map<string, string>): Promise<URL>;
  /** Signs any claims with the active key (forged or defective tokens for attack tests). */
  sign(payload: JWTPayload, header?: Record<string, unknown>, kid?: string): Promise<string>;
  /** The OP's own back-channel logout of `login`'s session at `clientId` (its logout token, its fetch). */
  backchannelLogout(login: string, clientId: string): Promise<void>;
  /** The session id (`sid`) the IdP gave `login` at `clientId`, once signed in. */
  sidOf(login: string, clientId: string): string | undefined;
  close(): Promise<void>;
}

async function newKey(alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomBytes(8).toString('hex');
  return {
    kid,
    alg,
    privateKey,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
  };
}

/** oidc-provider's outbound fetch refuses loopback addresses (SSRF guard): tests reach the RP on 127.0.0.1. */
const loopbackFetch: NonNullable<Configuration['fetch']> = (url, options) => {
  const { dispatcher: _dispatcher, ...rest } = options as RequestInit & { dispatcher?: unknown };
  return fetch(url, rest);
};

/**
 * A real OpenID Provider (panva's oidc-provider 9) on 127.0.0.1, keys generated at start, for tests
 * that need an *external* IdP: discovery, login through its form, ID tokens, userinfo, JWT access
 * tokens for `resources`, key rotation and back-channel logout. Consent is granted automatically.
 */
export async function startOidcProvider(opts: StartOidcProviderOptions): Promise<TestOidcProvider> {
  const { default: Provider } = await import('oidc-provider');
  const alg = opts.alg ?? 'RS256';
  let keys: SigningKey[] = [await newKey(alg)];
  const cookieKeys = [randomBytes(32).toString('base64url')];
  const sids = new Map<string, string>();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accounts = opts.accounts ?? {};
  const resources = opts.resources ?? {};

  const build = () => {
    const configuration: Configuration = {
      clients: opts.clients,
      jwks: { keys: keys.map((k) => k.privateJwk) },
      cookies: { keys: cookieKeys },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      scopes: ['openid', 'offline_access', 'email', 'profile', ...new Set(Object.values(resources).flatMap((s) => s.split(' ')))],
      // ID tokens carry only `sub` unless idTokenClaims: many IdPs put e-mail and profile only in userinfo.
      findAccount: (_ctx, id) => ({
        accountId: id,
        claims: (use: string) => (use === 'id_token' && !opts.idTokenClaims ? { sub: id } : { ...(accounts[id] ?? {}), sub: id }),
      }),
      // First-party test clients: every requested scope and claim is granted without a consent page.
      loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
        const { client, session, params } = ctx.oidc;
        if (!client || !session?.accountId) return undefined;
        const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
        grant.addOIDCScope(typeof params?.scope === 'string' ? params.scope : 'openid');
        grant.addOIDCClaims(['sub', 'email', 'email_verified', 'name']);
        for (const [aud, scope] of Object.entries(resources)) grant.addResourceScope(aud, scope);
        await grant.save();
        return grant;
      },
      features: {
        devInteractions: { enabled: true },
        backchannelLogout: { enabled: true },
        resourceIndicators: {
          enabled: Object.keys(resources).length > 0,
          // Only a request naming a resource gets its JWT access token; others get one for userinfo.
          defaultResource: (_ctx, _client, oneOf) => oneOf ?? undefined,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resource) => {
            const scope = resources[resource];
            if (scope === undefined) throw new Error(`unknown resource ${resource}`);
            return { scope, audience: resource, accessTokenFormat: 'jwt', jwt: { sign: { alg } } };
          },
        },
      },
      fetch: loopbackFetch,
      ...(opts.refreshTokens ? { issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token') } : {}),
    };
    const provider = new Provider(issuer, configuration);
    provider.on('authorization.success', (ctx: KoaContextWithOIDC) => {
      const { session, client } = ctx.oidc;
      const sid = session && client ? session.sidFor(client.clientId) : undefined;
      if (session?.accountId && client && sid) sids.set(`${session.accountId}\n${client.clientId}`, sid);
    });
    return provider;
  };
  let provider = build();
  let handler = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => void handler(req, res));
  // A new key set is a new Provider over the same in-process storage: sessions and grants carry over.
  const reload = () => {
    provider = build();
    handler = provider.callback();
  };

  const keyFor = (kid?: string) => keys.find((k) => k.kid === (kid ?? keys[0]!.kid));

  return {
    issuer,
    publicKeys: () => keys.map((k) => k.publicJwk),
    async rotateKeys() {
      const k = await newKey(alg);
      keys = [k, ...keys];
      reload();
      return k.kid;
    },
    async removeKey(kid) {
      keys = keys.filter((k) => k.kid !== kid);
      reload();
    },
    login: (authorizationUrl, login, jar = new Map()) => followLogin(issuer, authorizationUrl, login, jar),
    async sign(payload, header = {}, kid) {
      const k = keyFor(kid);
      if (!k) throw new Error(`no key ${kid}`);
      return new SignJWT(payload).setProtectedHeader({ alg: k.alg, kid: k.kid, ...header }).sign(k.privateKey);
    },
    async backchannelLogout(login, clientId) {
      const client = await provider.Client.find(clientId);
      const sid = sids.get(`${login}\n${clientId}`);
      if (!client || !sid) throw new Error(`no session of ${login} at ${clientId}`);
      // Not in @types/oidc-provider: the Client model's own sender (logout token, signed, POSTed).
      await (client as unknown as { backchannelLogout(sub: string, sid: string): Promise<void> }).backchannelLogout(login, sid);
    },
    sidOf: (login, clientId) => sids.get(`${login}\n${clientId}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function remember(jar: Map<string, string>, res: Response): void {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair!.indexOf('=');
    if (i > 0) jar.set(pair!.slice(0, i).trim(), pair!.slice(i + 1).trim());
  }
}

const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

/** Walks the IdP's redirects and dev-interaction forms until it redirects away from the IdP. */
async function followLogin(issuer: string, start: string, login: string, jar: Map<string, string>): Promise<URL> {
  let url = new URL(start);
  let init: RequestInit = {};
  for (let step = 0; step < 20; step++) {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers ?? {}), cookie: cookieHeader(jar) } });
    remember(jar, res);
    init = {};
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      const next = new URL(location, url);
      if (next.origin !== new URL(issuer).origin) return next;
      url = next;
      continue;
    }
    const html = await res.text();
    const form = /<form[^>]*action="([^"]+)"[^>]*method="post"[\s\S]*?name="prompt" value="(\w+)"/.exec(html);
    if (res.status !== 200 || !form) throw new Error(`test IdP answered ${res.status} at ${url.pathname}: ${html.slice(0, 300)}`);
    const body: Record<string, string> = form[2] === 'login' ? { prompt: 'login', login, password: 'any' } : { prompt: form[2]! };
    url = new URL(form[1]!.replace(/&amp;/g, '&'), url);
    init = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body).toString(),
    };
  }
  throw new Error('test IdP login did not finish in 20 steps');
}
