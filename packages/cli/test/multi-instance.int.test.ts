import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { CLI_CLIENT_ID, builtinClientSecret, createTokenClient, createUserClient, type HttpListener } from '@gatehouse/shared';
import { TestBrowser, spawnRedisCluster, startNats, type SpawnedRedisCluster, type SpawnedServer } from '@gatehouse/shared/testing';
import { startWhoami } from '../src/whoami/whoami-server.js';
import { waitFor } from './helpers.js';
import { allReady, freePorts, spawnService, type ServiceProcess } from './support/service-process.js';

// Scaled out: two proxies, two auth-bearer, one auth-basic, one auth-app, each its own process
// (`gatehouse <service> server`), on a real 3-master Redis Cluster and a real NATS. The instances
// of a service are interchangeable: state lives in Redis, news travels on NATS, and callers reach
// either instance (gRPC round robin over both addresses, the proxy's HTTP endpoint lists).
describe('several instances of each service (separate processes, Redis Cluster, NATS)', () => {
  let redis: SpawnedRedisCluster;
  let nats: SpawnedServer;
  let whoami: HttpListener;
  let dir: string;
  let bearers: ServiceProcess[];
  let proxies: ServiceProcess[];
  let all: ServiceProcess[];
  const password = 'a long enough password 1';
  const secret = 'm'.repeat(40);
  let userId = '';

  const post = (base: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const login = async (base: string, email = 'ada@example.com') => {
    const res = await post(base, '/auth/login', { email, password });
    const body = (await res.json()) as { data: { access_token: string; refresh_token: string } };
    if (res.status !== 200) throw new Error(`login ${res.status}: ${JSON.stringify(body)}`);
    return body.data;
  };
  const whoamiStatus = async (base: string, headers: Record<string, string>) => {
    const res = await fetch(`${base}/whoami`, { headers });
    await res.arrayBuffer();
    return res.status;
  };
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  const kidOf = (jwt: string) => (JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-multi-'));
    // The proxies share one identity key, so upstreams verify X-Gatehouse-Identity from either.
    const identityKey = join(dir, 'identity.pem');
    writeFileSync(identityKey, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
    });
    [redis, nats] = await Promise.all([spawnRedisCluster(), startNats()]);
    const [b1, b2, basicPorts, appPorts, p1, p2, whoamiPort] = await Promise.all([
      freePorts(),
      freePorts(),
      freePorts(),
      freePorts(),
      freePorts(),
      freePorts(),
      freePorts(),
    ]);
    const bearerGrpc = `ipv4:127.0.0.1:${b1.grpc},127.0.0.1:${b2.grpc}`;
    const common = {
      GATEHOUSE_SECRET: secret,
      PUBLIC_URL: `http://127.0.0.1:${p1.http}`,
      REDIS_URL: redis.url,
      NATS_URL: nats.url,
      LOG_LEVEL: 'warn',
      // Every test signs ada in, and the loads below log in on every third round: on a fast machine
      // that passes the default cap of 100 sessions per user, whose oldest sessions (those the loads
      // hold) would then end with session_limit. The cap is not what these tests are about.
      AUTH_BEARER_MAX_SESSIONS_PER_USER: '10000',
      AUTH_BEARER_GRPC_ENDPOINT: bearerGrpc,
      AUTH_BASIC_GRPC_ENDPOINT: `127.0.0.1:${basicPorts.grpc}`,
      AUTH_APP_GRPC_ENDPOINT: `127.0.0.1:${appPorts.grpc}`,
      GATEHOUSE_IDENTITY_JWKS_URL: `http://127.0.0.1:${p1.http}/.well-known/gatehouse/jwks.json`,
    };
    whoami = await startWhoami({ addr: `127.0.0.1:${whoamiPort.http}`, identityJwksUrl: common.GATEHOUSE_IDENTITY_JWKS_URL });
    bearers = await Promise.all([b1, b2].map((ports) => spawnService('auth-bearer', ports, common)));
    const basic = await spawnService('auth-basic', basicPorts, {
      ...common,
      AUTH_BEARER_HTTP_ENDPOINT: `http://127.0.0.1:${b1.http}`,
      LOGIN_STALL_TIME: '10ms',
      BCRYPT_COST: '4',
      // The load below logs in from one address many times.
      LOGIN_IP_FREE_ATTEMPTS: '100000',
    });
    const app = await spawnService('auth-app', appPorts, common);
    proxies = await Promise.all(
      [p1, p2].map((ports) =>
        spawnService('proxy', ports, {
          ...common,
          AUTH_BEARER_HTTP_ENDPOINT: `http://127.0.0.1:${b1.http},http://127.0.0.1:${b2.http}`,
          AUTH_BASIC_HTTP_ENDPOINT: `http://127.0.0.1:${basicPorts.http}`,
          AUTH_APP_HTTP_ENDPOINT: `http://127.0.0.1:${appPorts.http}`,
          WHOAMI_HTTP_ENDPOINT: `http://127.0.0.1:${whoamiPort.http}`,
          PROXY_IDENTITY_KEY_FILE: identityKey,
          PROXY_ENABLE_APP_AUTH: 'true',
          // Every session-cookie request asks auth-bearer (GetSession), so the load exercises gRPC failover.
          PROXY_SESSION_CACHE_TTL: '0s',
          PROXY_ACCESS_LOG: 'false',
        }),
      ),
    );
    all = [...bearers, basic, app, ...proxies];
    await allReady(all, 75_000);
    const users = createUserClient(`127.0.0.1:${basicPorts.grpc}`, { deadlineMs: 5000 });
    try {
      userId = (await users.CreateUser({ email: 'ada@example.com', name: 'Ada', password, roles: ['user'], groups: [], provider: 'local' }))
        .id;
    } finally {
      users.close();
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all((all ?? []).map((s) => s.stop('SIGKILL')));
    await whoami?.close(500);
    await Promise.all([redis?.stop(), nats?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const [a, b] = [() => proxies[0]!.httpUrl, () => proxies[1]!.httpUrl];

  it('refreshes through one proxy a session opened through the other', async () => {
    const opened = await login(a());
    const res = await post(b(), '/auth/refresh', { refresh_token: opened.refresh_token });
    const refreshed = ((await res.json()) as { data: { access_token: string; refresh_token: string } }).data;
    expect(res.status).toBe(200);
    expect(refreshed.refresh_token).not.toBe(opened.refresh_token);
    for (const base of [a(), b()]) expect(await whoamiStatus(base, bearer(refreshed.access_token))).toBe(200);
  });

  it('delivers a revocation to both proxies', async () => {
    const t = await login(b());
    for (const base of [a(), b()]) expect(await whoamiStatus(base, bearer(t.access_token))).toBe(200);
    const out = await post(a(), '/auth/logout', { refresh_token: t.refresh_token });
    expect(out.status).toBe(204);
    for (const base of [a(), b()]) await waitFor(async () => (await whoamiStatus(base, bearer(t.access_token))) === 401, 5000, 50);
  });

  it('honours a key rotation done by one auth-bearer on both proxies, for tokens either auth-bearer signs', async () => {
    const [c1, c2] = bearers.map((s) => createTokenClient(s.grpcAddr, { deadlineMs: 5000 }));
    try {
      const before = kidOf((await login(a())).access_token);
      const { kid } = await c1!.RotateKeys({});
      expect(kid).not.toBe(before);
      const mint = async (c: typeof c1) =>
        (
          await c!.MintAccessToken({
            principal: { user_id: userId, email: 'ada@example.com', roles: ['user'] },
            scopes: [],
            ttl_seconds: 300,
          })
        ).access_token;
      // The other instance learns of the rotation on NATS (or within its key cache TTL) and signs with the new key.
      const fromOther = await waitFor(async () => {
        const t = await mint(c2);
        return kidOf(t) === kid && t;
      }, 15_000);
      const fromRotator = await mint(c1);
      expect(kidOf(fromRotator)).toBe(kid);
      for (const token of [fromOther, fromRotator])
        for (const base of [a(), b()]) await waitFor(async () => (await whoamiStatus(base, bearer(token))) === 200, 5000, 50);
    } finally {
      c1!.close();
      c2!.close();
    }
  });

  /** Requests through both proxies until `stop()`; with `writes`, refreshes and logins too. */
  const runLoad = async (opts: { writes: boolean; workers?: number }) => {
    const bases = [a(), b()];
    const failures: string[] = [];
    const counts = { whoami: 0, cookie: 0, refresh: 0, login: 0 };
    const res = await post(a(), '/auth/login', { email: 'ada@example.com', password, mode: 'session' });
    await res.arrayBuffer();
    const cookie = /gatehouse_session_token=[^;]+/.exec(res.headers.get('set-cookie') ?? '')![0];
    const token = (await login(a())).access_token;
    let stopAt = Number.POSITIVE_INFINITY;
    const record = (what: string, status: number) => {
      if (status !== 200) failures.push(`${what}: ${status}`);
    };
    // Every worker's own login is done before the load starts (and before any instance is killed):
    // a login in flight on a killed instance is not idempotent and may fail (docs/operations.md).
    const workers = opts.workers ?? 4;
    const firstRefresh = await Promise.all(Array.from({ length: workers }, async (_, n) => (await login(bases[n % 2]!)).refresh_token));
    const worker = async (n: number) => {
      let refresh = firstRefresh[n]!;
      for (let i = 0; Date.now() < stopAt; i++) {
        const base = bases[(n + i) % 2]!;
        try {
          record('whoami (bearer)', await whoamiStatus(base, bearer(token)));
          counts.whoami++;
          record('whoami (session cookie)', await whoamiStatus(base, { cookie }));
          counts.cookie++;
          if (!opts.writes) continue;
          const r = await post(base, '/auth/refresh', { refresh_token: refresh });
          const body = (await r.json()) as { data?: { refresh_token: string } };
          record('refresh', r.status);
          if (body.data) refresh = body.data.refresh_token;
          counts.refresh++;
          if (i % 3 === 0) {
            const l = await post(base, '/auth/login', { email: 'ada@example.com', password });
            await l.arrayBuffer();
            record('login', l.status);
            counts.login++;
          }
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const done = Promise.all(Array.from({ length: workers }, (_, n) => worker(n)));
    return {
      failures,
      counts,
      stop: async (afterMs: number) => {
        stopAt = Date.now() + afterMs;
        await done;
      },
    };
  };
  /** RPCs an auth-bearer instance has answered, from its /metrics. */
  const handled = async (s: ServiceProcess, method: string) => {
    const text = await (await fetch(`${s.debugUrl}/metrics`)).text();
    return [...text.matchAll(new RegExp(`^gatehouse_grpc_server_handled_total\\{[^}]*grpc_method="${method}"[^}]*\\} (\\d+)`, 'gm'))]
      .map((m) => Number(m[1]))
      .reduce((x, y) => x + y, 0);
  };

  it('loses no idempotent request when an auth-bearer crashes (SIGKILL): reads in flight there are retried on the other', async () => {
    const load = await runLoad({ writes: false });
    await new Promise((r) => setTimeout(r, 800));
    // The instance dies without draining. Session-cookie checks (GetSession) in flight on it fail
    // UNAVAILABLE and are retried on the survivor; the rest go there directly.
    const before = { ...load.counts };
    await bearers[1]!.stop('SIGKILL');
    await load.stop(2000);
    expect(load.failures).toEqual([]);
    expect(load.counts.cookie - before.cookie).toBeGreaterThan(20);
  }, 60_000);

  it('loses no request when the other auth-bearer is stopped under load (SIGTERM and drain, as Kubernetes does)', async () => {
    // The crashed instance comes back on its address and rejoins every caller's rotation.
    await bearers[1]!.restart();
    await allReady([bearers[1]!]);
    for (const base of [a(), b()]) {
      const res = await post(base, '/auth/login', { email: 'ada@example.com', password, mode: 'session' });
      await res.arrayBuffer();
      const cookie = /gatehouse_session_token=[^;]+/.exec(res.headers.get('set-cookie') ?? '')![0];
      const seen = await handled(bearers[1]!, 'GetSession');
      await waitFor(
        async () => (await whoamiStatus(base, { cookie })) === 200 && (await handled(bearers[1]!, 'GetSession')) > seen,
        15_000,
        50,
      );
    }
    const opened = await handled(bearers[1]!, 'OpenSession');
    await waitFor(async () => (await login(a())) && (await handled(bearers[1]!, 'OpenSession')) > opened, 15_000, 50);

    const load = await runLoad({ writes: true });
    await new Promise((r) => setTimeout(r, 1000));
    const before = { ...load.counts };
    expect(await bearers[0]!.stop('SIGTERM')).toBe(0);
    await load.stop(2500);
    expect(load.failures).toEqual([]);
    // The load ran on both sides of the stop, every kind of request.
    expect(load.counts.refresh - before.refresh).toBeGreaterThan(10);
    expect(load.counts.login - before.login).toBeGreaterThan(3);
    expect(load.counts.cookie - before.cookie).toBeGreaterThan(10);
  }, 60_000);

  it('finishes a built-in IdP sign-in on the other auth-bearer, through the other proxy, than the one it began on', async () => {
    // Only bearers[1] runs now (bearers[0] was stopped above): the sign-in begins there, through proxy a.
    expect([bearers[0]!.exited(), bearers[1]!.exited()]).toEqual([true, false]);
    const browser = new TestBrowser();
    const verifier = oidc.randomPKCECodeVerifier();
    const redirect = 'http://127.0.0.1:9/api/auth/callback';
    const state = oidc.randomState();
    const auth = new URL(`${a()}/oidc/auth`);
    auth.search = new URLSearchParams({
      client_id: CLI_CLIENT_ID,
      redirect_uri: redirect,
      response_type: 'code',
      scope: 'openid email',
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const actionOf = async (res: Response | undefined, kind: string) =>
      new URL(/action="([^"]*)"/.exec((await res!.text()).split(`/${kind}"`)[0]! + `/${kind}"`)![1]!.replace(/&#47;/g, '/'), a());
    const loginPage = await browser.follow(auth, await browser.request(auth));
    const login = await actionOf(loginPage.res, 'login');
    const posted = await browser.request(login, { form: { email: 'ada@example.com', password, otp: '' } });
    expect(posted.status).toBe(303);

    // The instance that began it goes and the other comes back: the rest can only be served there,
    // from the interaction, session and grant it finds in the Redis Cluster.
    await bearers[0]!.restart();
    await allReady([bearers[0]!]);
    expect(await bearers[1]!.stop('SIGTERM')).toBe(0);
    // From here on through proxy b (`via`: the browser keeps the issuer origin's cookies).
    let res: Response = posted;
    let url = login;
    const follow = async (stop: (u: URL) => boolean) => {
      for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
        url = new URL(res.headers.get('location')!, url);
        if (stop(url)) return;
        await res.arrayBuffer();
        res = await browser.request(url, { via: b() });
      }
    };
    await follow(() => false);
    const consent = await actionOf(res, 'consent');
    res = await browser.request(consent, { form: {}, via: b() });
    url = consent;
    await follow((u) => u.href.startsWith(redirect));
    expect(url.searchParams.get('state')).toBe(state);
    const code = url.searchParams.get('code');
    expect(code).toBeTruthy();
    const tokenRes = await fetch(`${b()}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: code!,
        redirect_uri: redirect,
        code_verifier: verifier,
        client_id: CLI_CLIENT_ID,
        client_secret: builtinClientSecret(secret, CLI_CLIENT_ID),
      }).toString(),
    });
    const tokens = (await tokenRes.json()) as { access_token: string; id_token: string };
    expect(tokenRes.status).toBe(200);
    const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: `${a()}/oidc`, sub: userId });
    for (const base of [a(), b()]) expect(await whoamiStatus(base, bearer(tokens.access_token))).toBe(200);
  }, 60_000);
});
