import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@gatehouse/shared';
import { startNats, startRedis, startOidcProvider, type SpawnedServer, type TestOidcProvider } from '@gatehouse/shared/testing';
import { startAllInOne, type RunningRuntime } from '../src/index.js';
import { onFreePorts, waitFor } from './helpers.js';

export const SECRET = 'sso-test-secret-0123456789abcdef0123456789';
export const CLIENT_SECRET = 'gatehouse-client-secret-at-the-idp';
export const API_AUDIENCE = 'https://api.gatehouse.test';

/** A browser's cookie jar, enough for tests: names only (paths ignored), expired cookies removed. */
export class Jar {
  readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';').map((s) => s.trim());
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      const expired = attrs.some((a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** One request as a browser makes it (no redirect following), cookies from and into the jar. */
export async function browse(url: string, jar: Jar, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers ?? {}), cookie: jar.header() } });
  jar.take(res);
  return res;
}

export interface SsoStack {
  idp: TestOidcProvider;
  rt: RunningRuntime;
  base: string;
  addrs: Record<string, string>;
  redis: SpawnedServer;
  nats: SpawnedServer;
  stop(): Promise<void>;
}

/**
 * Gatehouse (every service in one process, real Redis and NATS) with providers at a real
 * oidc-provider started here as the external IdP. `env(issuer, base)` adds the provider variables.
 */
export async function startSsoStack(opts: {
  accounts: Parameters<typeof startOidcProvider>[0]['accounts'];
  providers: string[];
  env: (issuer: string, base: string) => Record<string, string>;
  /** Also a native client's loopback redirect (any port, RFC 8252), for the CLI login through this IdP. */
  cliLoopback?: boolean;
}): Promise<SsoStack> {
  const [redis, nats] = await Promise.all([startRedis(), startNats()]);
  // Ports chosen free can be taken by a parallel test before the bind: the IdP (whose client names
  // the proxy's address) and Gatehouse start again on other ports then.
  const { addrs, value } = await onFreePorts(async (addrs) => {
    const base = `http://${addrs.PROXY_HTTP_ADDR}`;
    const idp = await startOidcProvider({
      clients: [
        {
          client_id: 'gatehouse',
          client_secret: CLIENT_SECRET,
          redirect_uris: [
            ...opts.providers.map((p) => `${base}/auth/login/${p}/callback`),
            ...(opts.cliLoopback ? ['http://127.0.0.1/api/auth/callback'] : []),
          ],
          ...(opts.cliLoopback ? { application_type: 'native' as const } : {}),
          backchannel_logout_uri: `${base}/auth/login/${opts.providers[0]}/backchannel-logout`,
          backchannel_logout_session_required: true,
          grant_types: ['authorization_code', 'refresh_token'],
        },
        // Another application of the same IdP, whose users call Gatehouse's APIs with its access tokens.
        { client_id: 'spa', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1/spa/cb'] },
      ],
      accounts: opts.accounts,
      resources: { [API_AUDIENCE]: 'api' },
      refreshTokens: true,
    });
    let rt: RunningRuntime;
    try {
      rt = await startAllInOne(
        {
          ...addrs,
          GATEHOUSE_SECRET: SECRET,
          REDIS_URL: redis.url,
          NATS_URL: nats.url,
          GATEHOUSE_ADMIN_PASSWORD: 'admin password for sso tests',
          LOGIN_STALL_TIME: '10ms',
          BCRYPT_COST: '8',
          LOG_LEVEL: 'silent',
          AUTH_PROVIDERS: opts.providers.join(','),
          ...opts.env(idp.issuer, base),
        },
        {
          logger: createLogger({ service: 'test', level: 'silent' }),
          print: () => undefined,
          dataDir: mkdtempSync(join(tmpdir(), 'gh-sso-')),
        },
      );
    } catch (err) {
      await idp.close();
      throw err;
    }
    return { idp, rt, base };
  });
  const { idp, rt, base } = value;
  await waitFor(async () => (await fetch(`http://${addrs.PROXY_DEBUG_ADDR}/readyz`)).status === 200);
  return {
    idp,
    rt,
    base,
    addrs,
    redis,
    nats,
    stop: async () => {
      await rt.stop();
      await idp.close();
      await Promise.all([redis.stop(), nats.stop()]);
    },
  };
}
