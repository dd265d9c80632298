import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { default as ProviderType, Adapter, AdapterPayload, ClientMetadata, Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { TestBrowser } from './browser.js';

/** Claims of an account at the test IdP (its `sub` is the login typed into the form). */
export interface TestAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
  [claim: string]: unknown;
}

export interface StartOidcProviderOptions {
  clients: ClientMetadata[];
  /** Claims by login, or a function of the login; a login not listed signs in with only `sub`. */
  accounts?: Record<string, TestAccount> | ((login: string) => TestAccount);
  /** Put profile and email claims into ID tokens too (default false: userinfo only, as many IdPs do). */
  idTokenClaims?: boolean;
  /** Resource servers issued JWT access tokens: audience (resource indicator) → scope. */
  resources?: Record<string, string>;
  /** Issue refresh tokens to clients allowed the refresh_token grant, without offline_access (default false). */
  refreshTokens?: boolean;
  /** Signing algorithm of the keys generated at start (default RS256, what clients expect of ID tokens). */
  alg?: 'RS256' | 'ES256';
  /** Token lifetimes (seconds), e.g. `{ AccessToken: 2 }` to make a grant due quickly. */
  ttl?: Configuration['ttl'];
  /** Listen port (default: any free one). */
  port?: number;
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
  port: number;
  /** The oidc-provider instance serving now (a new one after each key change). */
  readonly provider: ProviderType;
  /** Public keys currently published, active key first. */
  publicKeys(): JWK[];
  /** Generates a new active key; the previous ones stay published. Returns its kid. */
  rotateKeys(): Promise<string>;
  /** Stops publishing (and signing with) a key. */
  removeKey(kid: string): Promise<void>;
  /**
   * Follows an authorization URL through the IdP's own login form as `login` (signInAtIdp) and
   * returns where the IdP finally redirects (the client's callback).
   */
  login(authorizationUrl: string, login: string): Promise<URL>;
  /** Signs any claims with the active key (forged or defective tokens for attack tests). */
  sign(payload: JWTPayload, header?: Record<string, unknown>, kid?: string): Promise<string>;
  /** The OP's own back-channel logout of `login`'s session at `clientId` (its logout token, its fetch). */
  backchannelLogout(login: string, clientId: string): Promise<void>;
  /** The session id (`sid`) the IdP gave `login` at `clientId`, once signed in. */
  sidOf(login: string, clientId: string): string | undefined;
  /** What the person revoked at the IdP: every grant of `accountId` is gone (its refresh tokens: invalid_grant). Returns how many. */
  revokeGrantsOf(accountId: string): number;
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

type Stored = Map<string, { payload: AdapterPayload; expiresAt: number }>;

/**
 * One in-memory store per IdP (`<model>:<id>` → payload, expiry honoured). oidc-provider's default
 * memory adapter is one store for the whole process: two test IdPs would share sessions, and a test
 * could not revoke what a person granted.
 */
function mapAdapter(data: Stored) {
  return (model: string): Adapter => {
    const key = (id: string) => `${model}:${id}`;
    const live = (id: string): AdapterPayload | undefined => {
      const e = data.get(key(id));
      if (e && e.expiresAt <= Date.now()) data.delete(key(id));
      return e && e.expiresAt > Date.now() ? e.payload : undefined;
    };
    const findBy = (field: 'uid' | 'userCode', value: string) => {
      for (const [k, e] of data) if (k.startsWith(`${model}:`) && e.payload[field] === value && e.expiresAt > Date.now()) return e.payload;
      return undefined;
    };
    return {
      upsert: async (id, payload, expiresIn) =>
        void data.set(key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY }),
      find: async (id) => live(id),
      findByUid: async (uid) => findBy('uid', uid),
      findByUserCode: async (userCode) => findBy('userCode', userCode),
      consume: async (id) => {
        const p = live(id);
        if (p) p.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => void data.delete(key(id)),
      revokeByGrantId: async (grantId) => {
        for (const [k, e] of data) if (e.payload.grantId === grantId) data.delete(k);
      },
    };
  };
}

/**
 * A real OpenID Provider (panva's oidc-provider 9) on 127.0.0.1 with plain HTTP, for tests that need
 * an *external* IdP: keys generated at start (none committed), signed cookies, its own in-memory
 * store, discovery, login through its development forms (any login is accepted and becomes `sub`),
 * ID tokens, userinfo, refresh tokens (offline_access with prompt=consent), JWT access tokens for
 * `resources`, key rotation, grant revocation and back-channel logout. Scopes are granted without a
 * consent page unless the request asks for one (prompt=consent).
 */
export async function startOidcProvider(opts: StartOidcProviderOptions): Promise<TestOidcProvider> {
  // Loaded on first use: importing oidc-provider prints a warning about Node 20 that other tests need not pay for.
  const { default: Provider } = await import('oidc-provider');
  const alg = opts.alg ?? 'RS256';
  let keys: SigningKey[] = [await newKey(alg)];
  const cookieKeys = [randomBytes(32).toString('base64url')];
  const sids = new Map<string, string>();
  const data: Stored = new Map();
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  const accounts = opts.accounts ?? {};
  const accountOf = (id: string): TestAccount => (typeof accounts === 'function' ? accounts(id) : (accounts[id] ?? {}));
  const resources = opts.resources ?? {};

  const build = () => {
    const configuration: Configuration = {
      clients: opts.clients,
      jwks: { keys: keys.map((k) => k.privateJwk) },
      // Without keys oidc-provider's cookies are silently unsigned.
      cookies: { keys: cookieKeys },
      adapter: mapAdapter(data),
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      scopes: ['openid', 'offline_access', 'email', 'profile', ...new Set(Object.values(resources).flatMap((s) => s.split(' ')))],
      // ID tokens carry only `sub` unless idTokenClaims: many IdPs put e-mail and profile only in userinfo.
      findAccount: (_ctx, id) => ({
        accountId: id,
        claims: (use: string) => (use === 'id_token' && !opts.idTokenClaims ? { sub: id } : { ...accountOf(id), sub: id }),
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
      ...(opts.ttl ? { ttl: opts.ttl } : {}),
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
  // Koa's handler returns a promise that settles when the answer is written; nothing awaits it here.
  server.on('request', (req: IncomingMessage, res: ServerResponse) => void handler(req, res));
  // A new key set is a new Provider over the same store: sessions and grants carry over.
  const reload = () => {
    provider = build();
    handler = provider.callback();
  };

  const keyFor = (kid?: string) => keys.find((k) => k.kid === (kid ?? keys[0]!.kid));

  return {
    issuer,
    port,
    get provider() {
      return provider;
    },
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
    login: (authorizationUrl, login) => signInAtIdp(authorizationUrl, { login }),
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
    revokeGrantsOf(accountId) {
      const grants = [...data].filter(([k, e]) => k.startsWith('Grant:') && e.payload.accountId === accountId).map(([k]) => k.slice(6));
      for (const [k, e] of data) if (typeof e.payload.grantId === 'string' && grants.includes(e.payload.grantId)) data.delete(k);
      for (const g of grants) data.delete(`Grant:${g}`);
      return grants.length;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The few entities an HTML attribute value may carry (oidc-provider writes `&amp;`, Gatehouse's pages `&#47;`). */
const unescapeAttr = (s: string): string =>
  s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCharCode(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

const attr = (tag: string, name: string): string | undefined => {
  const v = new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
  return v === undefined ? undefined : unescapeAttr(v);
};

export interface SignInAtIdpOptions {
  /** Typed into a `login` or `email` field. */
  login: string;
  /** Typed into a `password` field (default: any, which the test IdP accepts). */
  password?: string;
  /** Cancel instead: follows the page's `…/abort` link or submits its `…/abort` form. */
  abort?: boolean;
  /** The browser (cookie jar) to use; a fresh one by default. */
  browser?: TestBrowser;
}

/**
 * Follows an authorization URL through an IdP's plain HTML forms as a browser would, with plain HTTP
 * requests carrying cookies (TestBrowser): it fills `login`/`email` and `password` where a form asks
 * for them, keeps the other fields' values, submits the other forms as they are (consent), or cancels with
 * `abort`. Works with oidc-provider's development forms and the built-in IdP's pages alike. Returns
 * the URL the IdP finally redirects to, unfetched: the authorization's `redirect_uri` (with `code`
 * and `state`, or `error`), or any URL outside the IdP's origin.
 */
export async function signInAtIdp(authorizeUrl: string, o: SignInAtIdpOptions): Promise<URL> {
  const browser = o.browser ?? new TestBrowser();
  const start = new URL(authorizeUrl);
  const redirectUri = start.searchParams.get('redirect_uri');
  const callback = redirectUri ? new URL(redirectUri) : undefined;
  const leaves = (u: URL) =>
    u.origin !== start.origin || (callback !== undefined && u.origin === callback.origin && u.pathname === callback.pathname);
  let url = start;
  let form: Record<string, string> | undefined;
  for (let step = 0; step < 20; step++) {
    if (step > 0 && leaves(url)) return url;
    const res = await browser.request(url, form ? { form } : {});
    form = undefined;
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      url = new URL(location, url);
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`IdP answered ${res.status} at ${url.pathname}: ${html.slice(0, 300)}`);
    const forms = html.match(/<form\b[^>]*>/g) ?? [];
    if (o.abort) {
      const link = /<a\b[^>]*\shref="([^"]*\/abort)"/.exec(html)?.[1];
      const abortForm = forms.map((f) => attr(f, 'action')).find((a) => a?.endsWith('/abort'));
      const target = link !== undefined ? unescapeAttr(link) : abortForm;
      if (!target) throw new Error(`no cancel link or form on the IdP page at ${url.pathname}`);
      if (link === undefined) form = {};
      url = new URL(target, url);
      continue;
    }
    const tag = forms[0];
    const action = tag ? attr(tag, 'action') : undefined;
    if (!tag || !action) throw new Error(`no form on the IdP page at ${url.pathname}: ${html.slice(0, 300)}`);
    // The first form's own inputs: the page's later forms (cancel, deny) are not submitted.
    const at = html.indexOf(tag);
    const body = html.slice(at, html.indexOf('</form>', at));
    form = {};
    for (const input of body.match(/<input\b[^>]*>/g) ?? []) {
      const name = attr(input, 'name');
      if (!name) continue;
      // As a browser submits it: every named field, empty ones included (an optional one-time code).
      if (name === 'login' || name === 'email') form[name] = o.login;
      else if (name === 'password') form[name] = o.password ?? 'any password';
      else form[name] = attr(input, 'value') ?? '';
    }
    url = new URL(action, url);
  }
  throw new Error('the IdP flow did not end within 20 steps');
}
