import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Adapter, type AdapterPayload, type ClientMetadata, type Configuration } from 'oidc-provider';
import { randomToken } from '../crypto.js';
import { freePort } from './free-port.js';

/**
 * A real OpenID Provider (panva's oidc-provider 9) for integration tests, on 127.0.0.1 with plain
 * HTTP: keys generated at start (none committed), signed cookies, its development login and consent
 * forms (any login is accepted and becomes the subject), and its own in-memory store, so several
 * IdPs in one process stay apart and a test can revoke what a person granted.
 *
 * Import it from `@gatehouse/shared/testing/oidc-provider` (not the testing index): loading
 * oidc-provider prints a warning about Node 20, which nothing else should pay for.
 */
export interface TestIdp {
  /** The issuer identifier: http://127.0.0.1:<port>. */
  issuer: string;
  port: number;
  provider: Provider;
  /** What the person revoked at the IdP: every grant of `accountId` is gone (its refresh tokens: invalid_grant). */
  revokeGrantsOf(accountId: string): number;
  stop(): Promise<void>;
}

export interface TestIdpOptions {
  clients: ClientMetadata[];
  /** Extra claims per subject (email, email_verified, …); `sub` is always the login typed in the form. */
  claims?: (accountId: string) => Record<string, unknown>;
  /** Token lifetimes (seconds), e.g. `{ AccessToken: 2 }` to make a grant due quickly. */
  ttl?: Configuration['ttl'];
  port?: number;
}

/** One in-memory store per IdP: `<model>:<id>` → payload (expiry honoured). */
function mapAdapter(data: Map<string, { payload: AdapterPayload; expiresAt: number }>) {
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

export async function startOidcProvider(opts: TestIdpOptions): Promise<TestIdp> {
  const port = opts.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const data = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  const provider = new Provider(issuer, {
    clients: opts.clients,
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: randomToken(8), alg: 'RS256', use: 'sig' }] as never },
    // Without keys oidc-provider's cookies are silently unsigned.
    cookies: { keys: [randomToken(32)] },
    adapter: mapAdapter(data),
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ ...(opts.claims?.(id) ?? {}), sub: id }) }),
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    scopes: ['openid', 'offline_access', 'email'],
    features: { devInteractions: { enabled: true } },
    ...(opts.ttl ? { ttl: opts.ttl } : {}),
  });
  const handle = provider.callback();
  // Koa's handler returns a promise that settles when the answer is written; nothing awaits it here.
  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    issuer,
    port,
    provider,
    revokeGrantsOf(accountId) {
      const grants = [...data].filter(([k, e]) => k.startsWith('Grant:') && e.payload.accountId === accountId).map(([k]) => k.slice(6));
      for (const [k, e] of data) if (typeof e.payload.grantId === 'string' && grants.includes(e.payload.grantId)) data.delete(k);
      for (const g of grants) data.delete(`Grant:${g}`);
      return grants.length;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A browser's cookie jar, just enough for one IdP origin (paths ignored). */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (/;\s*expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

const attr = (tag: string, name: string): string | undefined => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1]?.replaceAll('&amp;', '&');

/**
 * Follows an authorization URL through the IdP's plain HTML forms as a browser would, with plain
 * HTTP requests carrying cookies: it fills `login` and `password` where a form asks for them,
 * submits the other forms as they are (consent), or follows the `[ Cancel ]` link with `abort`.
 * Returns the URL the IdP finally redirects to outside its own origin (the client's callback, with
 * `code` and `state`, or `error`), without requesting it.
 */
export async function signInAtIdp(authorizeUrl: string, o: { login: string; password?: string; abort?: boolean }): Promise<URL> {
  const origin = new URL(authorizeUrl).origin;
  const jar = new CookieJar();
  let url = new URL(authorizeUrl);
  let body: URLSearchParams | undefined;
  for (let step = 0; step < 20; step++) {
    if (url.origin !== origin) return url;
    const res = await fetch(url, {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: jar.header(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(body ? { body: body.toString() } : {}),
    });
    jar.store(res);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url);
      body = undefined;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`IdP answered ${res.status} at ${url.pathname}: ${html.slice(0, 300)}`);
    if (o.abort) {
      const cancel = /<a href="([^"]*\/abort)"/.exec(html)?.[1];
      if (!cancel) throw new Error('no cancel link on the IdP page');
      url = new URL(cancel.replaceAll('&amp;', '&'), url);
      continue;
    }
    const form = /<form\b[^>]*>/.exec(html)?.[0];
    const action = form ? attr(form, 'action') : undefined;
    if (!form || !action) throw new Error(`no form on the IdP page at ${url.pathname}`);
    body = new URLSearchParams();
    for (const input of html.match(/<input\b[^>]*>/g) ?? []) {
      const name = attr(input, 'name');
      if (!name) continue;
      if (name === 'login') body.set(name, o.login);
      else if (name === 'password') body.set(name, o.password ?? 'any password');
      else if (attr(input, 'type') === 'hidden') body.set(name, attr(input, 'value') ?? '');
    }
    url = new URL(action, url);
  }
  throw new Error('the IdP flow did not end within 20 steps');
}
