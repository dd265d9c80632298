import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';
import * as oidc from 'openid-client';
import { CLI_CLIENT_ID, createApiKeyClient, createLogger } from '@gatehouse/shared';
import { TestBrowser, startNats, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { startAllInOne, type RunningRuntime } from '../src/index.js';
import { onFreePorts, waitFor } from './helpers.js';

// deploy/observability names metrics; this runs every service (real Redis and NATS), drives the
// flows that feed those series, scrapes each /metrics and checks that every metric the dashboard
// and the alert rules name is exported, with the labels they match on. Expressions are parsed with
// Prometheus's own PromQL grammar (@prometheus-io/lezer-promql), so a typo is a syntax error here.
const root = process.cwd();
const rules = parseYaml(readFileSync(resolve(root, 'deploy/observability/gatehouse-alerts.yaml'), 'utf8')) as {
  groups: Array<{
    name: string;
    rules: Array<{ alert?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }>;
  }>;
};
const dashboard = JSON.parse(readFileSync(resolve(root, 'deploy/observability/gatehouse-dashboard.json'), 'utf8')) as {
  uid: string;
  panels: Array<{ id: number; type: string; title: string; targets?: Array<{ expr: string }> }>;
};
/** Series Prometheus makes itself (per scrape target), not exported by a service. */
const PROMETHEUS_OWN = new Set(['up']);

interface Selector {
  metric: string;
  labels: string[];
}

/** Every vector selector of an expression (metric name and matched label names); throws on a syntax error. */
function selectorsOf(expr: string): Selector[] {
  // Grafana's interval variable is not PromQL.
  const text = expr.replaceAll('$__rate_interval', '5m');
  const out: Selector[] = [];
  const errors: string[] = [];
  parser.parse(text).iterate({
    enter: (ref) => {
      if (ref.type.isError) errors.push(`at ${ref.from}: ${JSON.stringify(text.slice(ref.from, ref.from + 20))}`);
      if (ref.name !== 'VectorSelector') return;
      const node = ref.node;
      const id = node.getChild('Identifier');
      const labels = (node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []).map((m) =>
        text.slice(m.getChild('LabelName')!.from, m.getChild('LabelName')!.to),
      );
      if (id) out.push({ metric: text.slice(id.from, id.to), labels });
    },
  });
  if (errors.length > 0) throw new Error(`PromQL syntax error in ${JSON.stringify(expr)}: ${errors.join('; ')}`);
  return out;
}

/** Series name → label names seen on its samples, and family name → type, from exposition texts. */
function exposition(texts: string[]): { samples: Map<string, Set<string>>; types: Map<string, string> } {
  const samples = new Map<string, Set<string>>();
  const types = new Map<string, string>();
  for (const line of texts.join('\n').split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (!sample) continue;
    const names = samples.get(sample[1]!) ?? new Set<string>();
    for (const m of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) names.add(m[1]!);
    samples.set(sample[1]!, names);
  }
  return { samples, types };
}

const expressions = [
  ...rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr }))),
  ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr }))),
];

describe('deploy/observability files', () => {
  it('are well formed: every rule alerts with a severity and a summary, every panel queries something', () => {
    const alerts = rules.groups.flatMap((g) => g.rules);
    expect(alerts.length).toBeGreaterThanOrEqual(8);
    for (const r of alerts) {
      expect([r.alert, typeof r.expr, r.labels?.severity, typeof r.annotations?.summary]).toEqual([
        expect.stringMatching(/^Gatehouse[A-Z]\w+$/),
        'string',
        expect.stringMatching(/^(critical|warning)$/),
        'string',
      ]);
    }
    const graphs = dashboard.panels.filter((p) => p.type !== 'row');
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    for (const p of graphs) expect(p.targets?.length).toBeGreaterThan(0);
  });

  it.each(expressions)('$where is valid PromQL', ({ expr }) => {
    expect(selectorsOf(expr).length).toBeGreaterThan(0);
  });

  it('would notice a metric no service exports (the check below can fail)', () => {
    const { samples } = exposition(['gatehouse_real_total{a="1"} 1']);
    expect(samples.has('gatehouse_real_total')).toBe(true);
    expect(samples.has('gatehouse_imagined_total')).toBe(false);
  });
});

describe('metrics named by the dashboard and the alert rules, against the running services', () => {
  let redis: SpawnedServer;
  let nats: SpawnedServer;
  let rt: RunningRuntime;
  let addrs: Record<string, string>;
  const adminPassword = 'admin password for metrics 1';

  beforeAll(async () => {
    [redis, nats] = await Promise.all([startRedis(), startNats()]);
    // One data directory for every attempt: a retry after a port clash keeps the secret generated
    // there, so it can unseal the signing key the first attempt already stored in Redis.
    const dataDir = mkdtempSync(join(tmpdir(), 'gh-'));
    ({ addrs, value: rt } = await onFreePorts((addrs) =>
      startAllInOne(
        {
          ...addrs,
          // The built-in IdP's pages and form actions live under PUBLIC_URL/oidc.
          PUBLIC_URL: `http://${addrs.PROXY_HTTP_ADDR}`,
          REDIS_URL: redis.url,
          NATS_URL: nats.url,
          GATEHOUSE_ADD_RUN_SERVICES: 'auth-app,auth-apikey',
          PROXY_ENABLE_APP_AUTH: 'true',
          GATEHOUSE_ADMIN_PASSWORD: adminPassword,
          LOGIN_STALL_TIME: '10ms',
          BCRYPT_COST: '4',
          // A rotated refresh token presented again is reuse at once (no grace window).
          SESSION_REFRESH_GRACE_PERIOD: '0s',
          LOG_LEVEL: 'silent',
        },
        { logger: createLogger({ service: 'test', level: 'silent' }), print: () => undefined, dataDir },
      ),
    ));
    await waitFor(async () => (await fetch(`http://${addrs.PROXY_DEBUG_ADDR}/readyz`)).status === 200);
  }, 60_000);

  afterAll(async () => {
    await rt?.stop();
    await Promise.all([redis?.stop(), nats?.stop()]);
  });

  /** auth-basic's gatehouse_logins_total for one outcome. */
  const loginsWith = async (outcome: string): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${rt.ports['auth-basic']!.debug}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('gatehouse_logins_total{') && l.includes(`outcome="${outcome}"`));
    return line ? Number(line.split(' ')[1]) : 0;
  };

  /** An authorization at the built-in IdP (gatehouse-cli, PKCE), then the sign-in form posted; its status. */
  const idpSignIn = async (email: string, password: string): Promise<number> => {
    const browser = new TestBrowser();
    const auth = new URL(`http://${addrs.PROXY_HTTP_ADDR}/oidc/auth`);
    auth.search = new URLSearchParams({
      client_id: CLI_CLIENT_ID,
      redirect_uri: 'http://127.0.0.1:9/api/auth/callback',
      response_type: 'code',
      scope: 'openid',
      state: oidc.randomState(),
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    }).toString();
    const page = await browser.follow(auth, await browser.request(auth));
    const action = /action="([^"]*\/login)"/.exec(await page.res!.text())?.[1];
    expect(action).toBeDefined();
    const login = new URL(action!.replace(/&#47;/g, '/'), page.url);
    return (await browser.request(login, { form: { email, password, otp: '' } })).status;
  };

  it('exports every metric they name, with the labels they match on', async () => {
    const base = `http://${addrs.PROXY_HTTP_ADDR}`;
    const post = (path: string, body: unknown) =>
      fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    // The flows behind the series: a failed and a good login, a refresh-token reuse, a revocation,
    // a refused and a forwarded request.
    expect((await post('/auth/login', { email: 'admin@example.com', password: 'wrong password 1' })).status).toBe(401);
    const t = (
      (await (await post('/auth/login', { email: 'admin@example.com', password: adminPassword })).json()) as {
        data: { access_token: string; refresh_token: string };
      }
    ).data;
    expect((await post('/auth/refresh', { refresh_token: t.refresh_token })).status).toBe(200);
    expect((await post('/auth/refresh', { refresh_token: t.refresh_token })).status).toBe(401);
    expect((await fetch(`${base}/whoami`)).status).toBe(401);
    const t2 = (
      (await (await post('/auth/login', { email: 'admin@example.com', password: adminPassword })).json()) as {
        data: { access_token: string; refresh_token: string };
      }
    ).data;
    expect((await fetch(`${base}/whoami`, { headers: { authorization: `Bearer ${t2.access_token}` } })).status).toBe(200);
    expect((await post('/auth/logout', { refresh_token: t2.refresh_token })).status).toBe(204);
    // A wrong password at the built-in IdP's sign-in form is a failed login like the others.
    const failedBefore = await loginsWith('INVALID_CREDENTIALS');
    expect(await idpSignIn('admin@example.com', 'wrong password 2')).toBe(401);
    expect(await loginsWith('INVALID_CREDENTIALS')).toBe(failedBefore + 1);
    // An API key exchange (a key that does not exist) through the proxy's gRPC entry, for the auth-apikey panel.
    const apikeys = createApiKeyClient(addrs.PROXY_GRPC_ADDR!, { deadlineMs: 5000 });
    try {
      await expect(apikeys.ExchangeKeyForToken({ apiKey: `ghk_${'0'.repeat(32)}_${'x'.repeat(43)}` })).rejects.toBeDefined();
    } finally {
      apikeys.close();
    }
    const apikeyMetrics = await (await fetch(`http://127.0.0.1:${rt.ports['auth-apikey']!.debug}/metrics`)).text();
    const exchanges = apikeyMetrics
      .split('\n')
      .filter((l) => l.startsWith('gatehouse_grpc_server_handled_total{') && l.includes('grpc_method="ExchangeKeyForToken"'));
    expect(exchanges.length).toBeGreaterThan(0);
    expect(exchanges.every((l) => l.includes('service="auth-apikey"'))).toBe(true);

    const scrape = async () =>
      exposition(
        await Promise.all(
          Object.entries(rt.ports)
            .filter(([name]) => name !== 'whoami')
            .map(async ([, p]) => (await fetch(`http://127.0.0.1:${p.debug}/metrics`)).text()),
        ),
      );
    // The revocation reaches the proxy over NATS (its lag is observed then).
    await waitFor(async () => (await scrape()).samples.has('gatehouse_proxy_revocation_lag_seconds_count'), 5000, 50);
    const { samples, types } = await scrape();
    const problems: string[] = [];
    for (const { where, expr } of expressions) {
      for (const s of selectorsOf(expr)) {
        if (PROMETHEUS_OWN.has(s.metric)) continue;
        const family = s.metric.replace(/_(bucket|sum|count)$/, '');
        if (!types.has(s.metric) && !(types.get(family) === 'histogram' && family !== s.metric)) {
          problems.push(`${where}: ${s.metric} is not exported`);
          continue;
        }
        const seen = samples.get(s.metric);
        if (!seen) problems.push(`${where}: ${s.metric} has no samples after the flows`);
        for (const l of s.labels) if (seen && !seen.has(l)) problems.push(`${where}: ${s.metric} has no label "${l}"`);
      }
    }
    expect(problems).toEqual([]);
    // And the series carry what the rules look for.
    expect(samples.get('gatehouse_logins_total')).toContain('outcome');
    expect([...samples.keys()]).toEqual(
      expect.arrayContaining(['gatehouse_store_up', 'gatehouse_bus_up', 'gatehouse_password_hash_queue_depth']),
    );
    // Every service, auth-apikey included, reports its Redis and NATS connections (the panels and alerts group by service).
    const up = await Promise.all(
      Object.entries(rt.ports)
        .filter(([name]) => name !== 'whoami')
        .map(async ([name, p]) => {
          const text = await (await fetch(`http://127.0.0.1:${p.debug}/metrics`)).text();
          return [name, /^gatehouse_store_up\{[^}]*\} 1$/m.test(text), /^gatehouse_bus_up\{[^}]*\} 1$/m.test(text)];
        }),
    );
    expect(up.map(([name]) => name).sort()).toEqual(['auth-apikey', 'auth-app', 'auth-basic', 'auth-bearer', 'proxy']);
    expect(up.filter(([, store, bus]) => !store || !bus)).toEqual([]);
  });
});
