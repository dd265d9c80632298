/* eslint-disable @typescript-eslint/no-unsafe-call -- rendered manifests are untyped JSON walked by path; a wrong path fails the test */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { internalGrpcProblem, PROVIDER_SETTINGS_READ, providerVariable, readProviders, type ProviderUse } from '@gatehouse/shared';
import { CONFIG_SCHEMAS, RUNTIME_ENV, SERVICE_NAMES, type ServiceName } from '../src/services.js';
import { DEFAULT_ADDRS } from '../src/runtime/endpoints.js';

// deploy/k8s: a Kustomize base and the overlays all-in-one and distributed. Every object is checked
// against the Kubernetes schemas (kubernetes-models), without a cluster. Where kubectl is installed
// the overlays are rendered by `kubectl kustomize` and the rendered objects are checked; elsewhere
// the resources the kustomizations list are read as they are (patches not applied).
const root = process.cwd();
const K8S = resolve(root, 'deploy/k8s');
const kubectl = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim() || undefined;

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: any;
};

/** The resources a kustomization lists, followed into folders, with its `labels` applied (no patches). */
function listed(dir: string): Obj[] {
  const k = parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as {
    resources?: string[];
    labels?: Array<{ pairs: Record<string, string>; includeTemplates?: boolean }>;
  };
  const objs = (k.resources ?? []).flatMap((r) => {
    const p = resolve(dir, r);
    if (statSync(p).isDirectory()) return listed(p);
    return parseAllDocuments(readFileSync(p, 'utf8')).map((d) => d.toJSON() as Obj);
  });
  for (const l of k.labels ?? []) {
    for (const o of objs) {
      o.metadata.labels = { ...o.metadata.labels, ...l.pairs };
      if (l.includeTemplates && o.spec?.template) o.spec.template.metadata.labels = { ...o.spec.template.metadata.labels, ...l.pairs };
    }
  }
  return objs;
}

function render(overlay: string): Obj[] {
  const dir = join(K8S, 'overlays', overlay);
  if (!kubectl) return listed(dir);
  const out = execFileSync(kubectl, ['kustomize', dir], { encoding: 'utf8' });
  return parseAllDocuments(out).map((d) => d.toJSON() as Obj);
}

const MODELS: Record<string, new (o: any) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Namespace': Namespace,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

/** The keys of the `gatehouse-secrets` Secret the operator creates (docs/operations.md lists them). */
const SECRET_KEYS = [
  'gatehouse-secret',
  'redis-url',
  'identity-key.pem',
  'redis-sentinel-password',
  'smtp-url',
  'service-accounts.json',
  'resource-clients.json',
  'oidc-clients.json',
  'oidc-cli-client-secret',
  'oidc-apikey-client-secret',
  'apikey-oidc-client-secret',
];
/** Secrets a container reads whole (`envFrom`), each optional: the keys are variable names the operator picks. */
const ENV_SECRETS = ['gatehouse-provider-secrets'];
/** What each service reads of the providers' dynamic AUTH_<NAME>_* variables (as docker-compose's test). */
const PROVIDER_USE: Partial<Record<ServiceName, ProviderUse>> = { 'auth-bearer': 'sso', proxy: 'access-tokens' };
const providerNames = (vars: Map<string, string | undefined>) =>
  (vars.get('AUTH_PROVIDERS') ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
const providerKeys = (name: ServiceName, vars: Map<string, string | undefined>) => {
  const use = PROVIDER_USE[name];
  return use ? providerNames(vars).flatMap((p) => PROVIDER_SETTINGS_READ[use].map((s) => providerVariable(p, s))) : [];
};
/** Callers of each service's internal ports (docs/architecture.md, who calls whom). */
const CALLERS: Record<Exclude<ServiceName, 'proxy'>, { http: string[]; grpc: string[] }> = {
  'auth-bearer': { http: ['auth-basic', 'proxy'], grpc: ['auth-apikey', 'auth-basic', 'proxy'] },
  'auth-basic': { http: ['proxy'], grpc: ['auth-apikey', 'auth-app', 'auth-bearer', 'proxy'] },
  'auth-app': { http: ['proxy'], grpc: ['proxy'] },
  'auth-apikey': { http: ['proxy'], grpc: ['proxy'] },
};
const PREFIX: Record<ServiceName, string> = {
  proxy: 'PROXY',
  'auth-bearer': 'AUTH_BEARER',
  'auth-basic': 'AUTH_BASIC',
  'auth-app': 'AUTH_APP',
  'auth-apikey': 'AUTH_APIKEY',
};
const schemaKeys = (name: ServiceName) => Object.keys((CONFIG_SCHEMAS[name] as unknown as { shape: Record<string, unknown> }).shape);
const requiredKeys = (name: ServiceName) =>
  Object.entries((CONFIG_SCHEMAS[name] as unknown as { shape: Record<string, { safeParse(v: unknown): { success: boolean } }> }).shape)
    .filter(([, s]) => !s.safeParse(undefined).success)
    .map(([k]) => k);

const find = (objs: Obj[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);
const port = (addr: string) => Number(addr.slice(addr.lastIndexOf(':') + 1));

/** Every variable a Deployment's container gets: ConfigMap keys through envFrom, then env. */
function containerEnv(objs: Obj[], c: any): { vars: Map<string, string | undefined>; problems: string[]; envSecrets: string[] } {
  const vars = new Map<string, string | undefined>();
  const problems: string[] = [];
  const envSecrets: string[] = [];
  for (const from of c.envFrom ?? []) {
    if (from.secretRef) {
      if (!ENV_SECRETS.includes(from.secretRef.name) || from.secretRef.optional !== true)
        problems.push(`envFrom reads an undocumented or required secret ${from.secretRef.name}`);
      envSecrets.push(from.secretRef.name);
      continue;
    }
    const cm = find(objs, 'ConfigMap', from.configMapRef?.name);
    if (!cm) {
      if (!from.configMapRef?.optional) problems.push(`envFrom names a missing ConfigMap ${from.configMapRef?.name}`);
      continue;
    }
    for (const [k, v] of Object.entries(cm.data ?? {})) vars.set(k, v as string);
  }
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref && (ref.name !== 'gatehouse-secrets' || !SECRET_KEYS.includes(ref.key)))
      problems.push(`${e.name} reads an undocumented secret ${ref.name}/${ref.key}`);
    vars.set(e.name, e.value);
  }
  return { vars, problems, envSecrets };
}

describe.each(['distributed', 'all-in-one'])('deploy/k8s overlay %s', (overlay) => {
  const objs = render(overlay);
  if (!kubectl) {
    it.skip('is rendered with `kubectl kustomize` (kubectl is not installed here: the listed resources are checked unpatched)', () =>
      undefined);
  }

  it('is valid against the Kubernetes schemas, every object', () => {
    expect(objs.length).toBeGreaterThan(5);
    const problems: string[] = [];
    for (const o of objs) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      if (!Model) {
        problems.push(`${o.apiVersion}/${o.kind} ${o.metadata?.name}: no schema known to this test`);
        continue;
      }
      try {
        new Model(o).validate();
      } catch (err) {
        problems.push(`${o.kind} ${o.metadata.name}: ${(err as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('runs non-root on a read-only filesystem with requests, limits and probes on the debug port', () => {
    for (const d of objs.filter((o) => o.kind === 'Deployment')) {
      const pod = d.spec.template.spec;
      expect([d.metadata.name, pod.securityContext.runAsNonRoot, pod.automountServiceAccountToken]).toEqual([d.metadata.name, true, false]);
      for (const c of pod.containers) {
        expect(c.securityContext).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
        expect(Object.keys(c.resources.requests).sort()).toEqual(['cpu', 'memory']);
        expect(Object.keys(c.resources.limits).sort()).toEqual(['cpu', 'memory']);
        expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'debug' });
        expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'debug' });
        const { vars } = containerEnv(objs, c);
        const debugAddr = [...vars.entries()].find(
          ([k]) => k === `${PREFIX[(c.args[0] === 'server' ? 'proxy' : c.args[0]) as ServiceName]}_DEBUG_ADDR`,
        )?.[1];
        expect(c.ports.find((p: any) => p.name === 'debug').containerPort).toBe(port(debugAddr!));
      }
    }
  });

  it('wires every variable from a ConfigMap or the Secret: only names the service reads, every required one set', () => {
    const problems: string[] = [];
    for (const d of objs.filter((o) => o.kind === 'Deployment')) {
      const c = d.spec.template.spec.containers[0];
      const names: ServiceName[] = c.args[0] === 'server' ? [...SERVICE_NAMES] : [c.args[0]];
      const { vars, problems: p } = containerEnv(objs, c);
      const known = new Set([
        ...names.flatMap(schemaKeys),
        ...names.flatMap((n) => providerKeys(n, vars)),
        ...(c.args[0] === 'server' ? Object.keys(RUNTIME_ENV) : []),
      ]);
      problems.push(...p.map((x) => `${d.metadata.name}: ${x}`));
      const set = new Set([...vars.keys()].map((k) => (k.endsWith('_FILE') && known.has(k.slice(0, -5)) ? k.slice(0, -5) : k)));
      for (const k of set) if (!known.has(k)) problems.push(`${d.metadata.name}: ${k} is read by no service`);
      for (const n of names)
        for (const k of [...requiredKeys(n), 'REDIS_URL', 'NATS_URL']) if (!set.has(k)) problems.push(`${d.metadata.name}: ${k} unset`);
      // Listen addresses match the declared container ports.
      for (const n of names) {
        for (const kind of ['HTTP', 'GRPC', 'DEBUG'] as const) {
          const addr = vars.get(`${PREFIX[n]}_${kind}_ADDR`);
          if (addr && !addr.startsWith('127.0.0.1') && !c.ports.some((p: any) => p.containerPort === port(addr)))
            problems.push(`${d.metadata.name}: ${PREFIX[n]}_${kind}_ADDR ${addr} is not a container port`);
        }
      }
      // Mounted secret files exist as items of the secret volume.
      const items = d.spec.template.spec.volumes.find((v: any) => v.name === 'secrets').secret.items.map((i: any) => i.path);
      for (const [k, v] of vars)
        if (k.endsWith('_FILE') && v?.startsWith('/run/secrets/gatehouse/') && !items.includes(v.split('/').pop()))
          problems.push(`${k}: ${v} not mounted`);
      for (const i of items) if (!SECRET_KEYS.includes(i)) problems.push(`${d.metadata.name}: mounts an undocumented secret key ${i}`);
    }
    expect(problems).toEqual([]);
  });

  it('gives auth-bearer, auth-basic and the proxy one switch for the built-in IdP (AUTH_OIDC_BUILTIN, on)', () => {
    // Every Deployment running a service whose schema has the switch (auth-app and auth-apikey have none).
    const readers = objs.filter((o) => {
      const args = o.kind === 'Deployment' ? o.spec.template.spec.containers[0].args : undefined;
      return args && (args[0] === 'server' || schemaKeys(args[0] as ServiceName).includes('AUTH_OIDC_BUILTIN'));
    });
    expect(readers.length).toBe(overlay === 'all-in-one' ? 1 : 3);
    const switches = readers.map((d) => {
      const c = d.spec.template.spec.containers[0];
      const from = (c.envFrom ?? []).filter(
        (f: any) => find(objs, 'ConfigMap', f.configMapRef?.name)?.data?.AUTH_OIDC_BUILTIN !== undefined,
      );
      return [d.metadata.name, from.map((f: any) => f.configMapRef.name), c.env?.some((e: any) => e.name === 'AUTH_OIDC_BUILTIN') ?? false];
    });
    expect(switches).toEqual(readers.map((d) => [d.metadata.name, ['gatehouse-oidc'], false]));
    expect(find(objs, 'ConfigMap', 'gatehouse-oidc')!.data.AUTH_OIDC_BUILTIN).toBe('true');
  });

  it('gives a provider added to gatehouse-providers to auth-bearer and the proxy alike, configured well enough to start', () => {
    // The shipped list is empty; an operator adds a provider to the one ConfigMap and its secret to the Secret.
    const withProvider = objs.map((o) =>
      o.kind === 'ConfigMap' && o.metadata.name === 'gatehouse-providers'
        ? {
            ...o,
            data: {
              AUTH_PROVIDERS: 'keycloak',
              AUTH_KEYCLOAK_DRIVER: 'openid',
              AUTH_KEYCLOAK_ISSUER_URL: 'https://keycloak.example.com/realms/gatehouse',
              AUTH_KEYCLOAK_CLIENT_ID: 'gatehouse',
              AUTH_KEYCLOAK_TRUST_ACCESS_TOKENS: 'true',
              AUTH_KEYCLOAK_AUDIENCE: 'gatehouse-api',
            },
          }
        : o,
    );
    expect(find(objs, 'ConfigMap', 'gatehouse-providers')!.data).toEqual({ AUTH_PROVIDERS: '' });
    const seen: Array<[string, string[], string[]]> = [];
    for (const d of withProvider.filter((o) => o.kind === 'Deployment')) {
      const c = d.spec.template.spec.containers[0];
      const names: ServiceName[] = c.args[0] === 'server' ? [...SERVICE_NAMES] : [c.args[0]];
      const { vars, envSecrets } = containerEnv(withProvider, c);
      for (const n of names) {
        const use = PROVIDER_USE[n];
        if (!use) continue;
        const problems: string[] = [];
        const env = Object.fromEntries([...vars].filter(([, v]) => v !== undefined)) as Record<string, string>;
        const providers = readProviders(env, use, problems);
        // auth-bearer signs in with the client secret from gatehouse-provider-secrets (envFrom).
        seen.push([`${d.metadata.name}/${n}`, providers.map((p) => p.name), use === 'sso' ? envSecrets : []]);
        expect(problems).toEqual([]);
      }
    }
    const expected = overlay === 'all-in-one' ? ['gatehouse/auth-bearer', 'gatehouse/proxy'] : ['auth-bearer/auth-bearer', 'proxy/proxy'];
    expect(seen).toEqual(expected.map((who) => [who, ['keycloak'], who.endsWith('auth-bearer') ? ['gatehouse-provider-secrets'] : []]));
  });

  it('points every Service at pods and ports that exist', () => {
    const deployments = objs.filter((o) => o.kind === 'Deployment');
    for (const s of objs.filter((o) => o.kind === 'Service')) {
      const target = deployments.find((d) => Object.entries(s.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
      expect([s.metadata.name, Boolean(target)]).toEqual([s.metadata.name, true]);
      for (const p of s.spec.ports) expect(target!.spec.template.spec.containers[0].ports.map((x: any) => x.name)).toContain(p.targetPort);
    }
  });
});

describe('deploy/k8s distributed overlay: the scaled-out form', () => {
  const objs = render('distributed');
  const deployments = objs.filter((o) => o.kind === 'Deployment');

  it('has a Deployment running `gatehouse <service> server`, a Service and a PodDisruptionBudget per service', () => {
    for (const name of SERVICE_NAMES) {
      expect(find(objs, 'Deployment', name)?.spec.template.spec.containers[0].args).toEqual([name, 'server']);
      expect(find(objs, 'Service', name)).toBeDefined();
      expect(find(objs, 'PodDisruptionBudget', name)?.spec.minAvailable).toBe(1);
    }
  });

  it('autoscales the proxy and auth-basic on CPU', () => {
    const hpas = objs.filter((o) => o.kind === 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.spec.scaleTargetRef.name).sort()).toEqual(['auth-basic', 'proxy']);
    for (const h of hpas) expect(h.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it('reaches every gRPC service through a headless Service (calls balanced over all pods)', () => {
    // gatehouse-endpoints for the services everyone calls; gatehouse-auth-apikey for the one only the proxy calls.
    const endpoints = Object.assign(
      {},
      ...['gatehouse-endpoints', 'gatehouse-auth-apikey'].map((n) => find(objs, 'ConfigMap', n)!.data as Record<string, string>),
    ) as Record<string, string>;
    for (const name of SERVICE_NAMES.filter((n) => n !== 'proxy')) {
      const target = endpoints[`${PREFIX[name]}_GRPC_ENDPOINT`]!;
      const host = /^([a-z0-9-]+):(\d+)$/.exec(target);
      const svc = find(objs, 'Service', host?.[1] ?? '');
      expect([name, svc?.spec.clusterIP, svc?.spec.ports[0].port]).toEqual([name, 'None', Number(host?.[2])]);
    }
  });

  it('lets services that check each other for readiness start together (no wait on a peer only readiness would publish)', () => {
    // Each gRPC caller checks its callees in /readyz (grpc.health.v1 over the headless Service). A
    // headless Service that lists only ready pods makes that check wait for the callee's readiness;
    // a cycle of such waits (auth-bearer ⇄ auth-basic) never becomes ready at a first start.
    const waits = new Map<string, string[]>();
    for (const [callee, c] of Object.entries(CALLERS)) {
      const svc = find(objs, 'Service', `${callee}-grpc`)!;
      if (svc.spec.publishNotReadyAddresses === true) continue;
      for (const caller of c.grpc) waits.set(caller, [...(waits.get(caller) ?? []), callee]);
    }
    const cycle = (from: string, path: string[]): string[] | undefined => {
      if (path.includes(from)) return [...path, from];
      for (const next of waits.get(from) ?? []) {
        const found = cycle(next, [...path, from]);
        if (found) return found;
      }
      return undefined;
    };
    expect(SERVICE_NAMES.map((n) => cycle(n, [])).filter(Boolean)).toEqual([]);
    // The cycle the check exists for.
    expect(CALLERS['auth-bearer'].grpc.includes('auth-basic') && CALLERS['auth-basic'].grpc.includes('auth-bearer')).toBe(true);
  });

  // A NetworkPolicy allows a connection when it selects the pod and one of its rules admits the
  // source on that port; a default-deny selects every Gatehouse pod, so nothing else gets through.
  const admits = (podName: string, portNo: number, from: { pod?: string; namespace?: string }) =>
    objs
      .filter((o) => o.kind === 'NetworkPolicy')
      .some((np) => {
        const podLabels = deployments.find((d) => d.metadata.name === podName)!.spec.template.metadata.labels;
        if (!Object.entries(np.spec.podSelector.matchLabels ?? {}).every(([k, v]) => podLabels[k] === v)) return false;
        return (np.spec.ingress ?? []).some(
          (rule: any) =>
            (rule.ports ?? []).some((p: any) => p.port === portNo) &&
            (rule.from === undefined ||
              rule.from.some((f: any) =>
                from.pod
                  ? f.podSelector?.matchLabels?.['app.kubernetes.io/name'] === from.pod && !f.namespaceSelector
                  : f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === from.namespace,
              )),
        );
      });

  it('denies by default, then opens each internal port only to the services that call it', () => {
    const deny = find(objs, 'NetworkPolicy', 'gatehouse-default-deny')!;
    expect(deny.spec.ingress).toBeUndefined();
    for (const d of deployments) expect(d.spec.template.metadata.labels).toMatchObject(deny.spec.podSelector.matchLabels);
    const portOf = (name: ServiceName, p: string) =>
      find(objs, 'Deployment', name)!.spec.template.spec.containers[0].ports.find((x: any) => x.name === p).containerPort;
    const seen: string[] = [];
    for (const [name] of Object.entries(CALLERS) as Array<[Exclude<ServiceName, 'proxy'>, unknown]>) {
      for (const kind of ['http', 'grpc'] as const) {
        const allowed = SERVICE_NAMES.filter((from) => admits(name, portOf(name, kind), { pod: from }));
        seen.push(`${name} ${kind}: ${allowed.sort().join(', ')}`);
        expect(admits(name, portOf(name, kind), { namespace: 'somewhere-else' })).toBe(false);
      }
    }
    expect(seen).toEqual(
      Object.entries(CALLERS).flatMap(([name, c]) => [`${name} http: ${c.http.join(', ')}`, `${name} grpc: ${c.grpc.join(', ')}`]),
    );
    for (const name of SERVICE_NAMES) {
      expect(admits(name, portOf(name, 'debug'), { namespace: 'monitoring' })).toBe(true);
      expect(admits(name, portOf(name, 'debug'), { pod: 'proxy' })).toBe(false);
    }
    // The proxy is the public entry.
    expect(admits('proxy', 9200, { namespace: 'anything' }) && admits('proxy', 9201, { namespace: 'anything' })).toBe(true);
  });

  // Issue 10 item 4: internal gRPC answers only holders of a certificate the deployment's CA signed.
  const tlsOf = (vars: Map<string, string | undefined>) => ({
    enabled: vars.get('GATEHOUSE_GRPC_TLS_ENABLED') === 'true',
    certFile: vars.get('GATEHOUSE_GRPC_TLS_CERT'),
    keyFile: vars.get('GATEHOUSE_GRPC_TLS_KEY'),
    caFile: vars.get('GATEHOUSE_GRPC_TLS_CA'),
    requireClientCert: vars.get('GATEHOUSE_GRPC_TLS_CLIENT_AUTH') === 'true',
  });

  it('runs internal gRPC under mutual TLS: every service requires client certificates and presents the one in gatehouse-grpc-tls', () => {
    const seen: string[] = [];
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      const c = pod.containers[0];
      const { vars } = containerEnv(objs, c);
      const tls = tlsOf(vars);
      expect([d.metadata.name, tls.enabled, tls.requireClientCert, vars.get('GATEHOUSE_GRPC_ALLOW_INSECURE')]).toEqual([
        d.metadata.name,
        true,
        true,
        undefined,
      ]);
      // Every file is in the volume of the gatehouse-grpc-tls Secret.
      const vol = pod.volumes.find((v: any) => v.secret?.secretName === 'gatehouse-grpc-tls');
      const mount = c.volumeMounts.find((m: any) => m.name === vol?.name);
      for (const f of [tls.certFile, tls.keyFile, tls.caFile]) expect([f, f?.startsWith(`${mount?.mountPath}/`)]).toEqual([f, true]);
      const name = c.args[0] as ServiceName;
      if (name === 'proxy') continue;
      // The service's own fail-closed check passes because of mTLS, and would refuse without client auth.
      const variable = `${PREFIX[name]}_GRPC_ADDR`;
      const addr = vars.get(variable)!;
      expect(internalGrpcProblem(variable, addr, tls, false)).toBeUndefined();
      expect(internalGrpcProblem(variable, addr, { ...tls, requireClientCert: false }, false)).toMatch(/not authenticated/);
      seen.push(name);
    }
    expect(seen.sort()).toEqual(SERVICE_NAMES.filter((n) => n !== 'proxy').sort());
  });

  it('keeps Redis and NATS out: they come from their official charts', () => {
    expect(deployments.map((d) => d.spec.template.spec.containers[0].image).every((i: string) => i.startsWith('gatehouse'))).toBe(true);
  });
});

describe('deploy/k8s all-in-one overlay: internal gRPC stays on loopback', () => {
  it('listens for internal gRPC only on loopback, so it needs no certificates (the fail-closed check passes)', () => {
    const objs = render('all-in-one');
    const d = find(objs, 'Deployment', 'gatehouse')!;
    const { vars } = containerEnv(objs, d.spec.template.spec.containers[0]);
    for (const prefix of ['AUTH_BEARER', 'AUTH_BASIC', 'AUTH_APP', 'AUTH_APIKEY']) {
      const addr = vars.get(`${prefix}_GRPC_ADDR`) ?? DEFAULT_ADDRS[`${prefix}_GRPC_ADDR`]!;
      expect([prefix, internalGrpcProblem(`${prefix}_GRPC_ADDR`, addr, { enabled: false }, false)]).toEqual([prefix, undefined]);
    }
  });
});

describe('deploy/k8s docs and the base layout', () => {
  it('documents every key of the gatehouse-secrets Secret in docs/operations.md', () => {
    const guide = readFileSync(resolve(root, 'docs/operations.md'), 'utf8');
    expect(SECRET_KEYS.filter((k) => !guide.includes(`\`${k}\``))).toEqual([]);
  });

  it('has one folder per service in the base, each listed by one line (auth-apikey joins the same way)', () => {
    const base = parseYaml(readFileSync(join(K8S, 'base/kustomization.yaml'), 'utf8')) as { resources: string[] };
    for (const name of SERVICE_NAMES) {
      expect(base.resources).toContain(name);
      expect(existsSync(join(K8S, 'base', name, 'kustomization.yaml'))).toBe(true);
    }
  });
});
