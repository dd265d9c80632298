import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { internalGrpcProblem, PROVIDER_SETTINGS_READ, providerVariable, readProviders, type ProviderUse } from '@gatehouse/shared';
import { CONFIG_SCHEMAS } from './services.js';

// Keeps docker-compose.yml in step with the services' zod config schemas: every variable a
// container sets must be one its service reads (no typos, no stale names), and every variable a
// service requires must be set.
type Secret = string | { source: string; target?: string };
const compose = parse(readFileSync(resolve(process.cwd(), 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { command?: string[]; environment?: Record<string, string>; ports?: string[]; secrets?: Secret[] }>;
  secrets: Record<string, { file: string }>;
};

const schemaKeys = (name: keyof typeof CONFIG_SCHEMAS): string[] =>
  Object.keys((CONFIG_SCHEMAS[name] as unknown as { shape: Record<string, unknown> }).shape);
const fileVariant = (k: string) => (k.endsWith('_FILE') ? k.slice(0, -5) : k);

/** What each service reads of the providers' dynamic AUTH_<NAME>_* variables (services without: none). */
const PROVIDER_USE: Partial<Record<keyof typeof CONFIG_SCHEMAS, ProviderUse>> = { 'auth-bearer': 'sso', proxy: 'access-tokens' };
const providerNames = (env: Record<string, string> | undefined) =>
  (env?.AUTH_PROVIDERS ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
/** The provider variables a service reads for the providers its AUTH_PROVIDERS lists. */
const providerKeys = (name: keyof typeof CONFIG_SCHEMAS, env: Record<string, string> | undefined): string[] => {
  const use = PROVIDER_USE[name];
  return use ? providerNames(env).flatMap((p) => PROVIDER_SETTINGS_READ[use].map((s) => providerVariable(p, s))) : [];
};

describe('docker-compose.yml', () => {
  for (const name of Object.keys(CONFIG_SCHEMAS) as Array<keyof typeof CONFIG_SCHEMAS>) {
    describe(name, () => {
      const svc = compose.services[name];
      it('runs the service from the one image with `<service> server`', () => {
        expect(svc).toBeDefined();
        expect(svc!.command).toEqual([name, 'server']);
      });
      it('sets only variables the service reads', () => {
        const known = new Set([...schemaKeys(name), ...providerKeys(name, svc!.environment)]);
        const unknown = Object.keys(svc!.environment ?? {}).filter((k) => !known.has(fileVariant(k)));
        expect(unknown).toEqual([]);
      });
      it('sets every variable the service requires, and REDIS_URL and NATS_URL', () => {
        const shape = (CONFIG_SCHEMAS[name] as unknown as { shape: Record<string, { safeParse(v: unknown): { success: boolean } }> }).shape;
        const required = Object.entries(shape)
          .filter(([, s]) => !s.safeParse(undefined).success)
          .map(([k]) => k);
        const set = new Set(Object.keys(svc!.environment ?? {}).map(fileVariant));
        expect(required.filter((k) => !set.has(k))).toEqual([]);
        expect(set.has('REDIS_URL') && set.has('NATS_URL')).toBe(true);
      });
    });
  }

  it('gives auth-bearer and the proxy the same providers, each configured well enough to start', () => {
    const bearer = compose.services['auth-bearer']!.environment;
    const proxy = compose.services.proxy!.environment;
    expect(providerNames(bearer)).toEqual(providerNames(proxy));
    expect(providerNames(bearer).length).toBeGreaterThan(0);
    for (const [name, env] of [
      ['auth-bearer', bearer],
      ['proxy', proxy],
    ] as const) {
      // Secret files exist only in a deployment: their variables stand in for them here.
      const resolved = Object.fromEntries(
        Object.entries(env ?? {}).map(([k, v]) => [fileVariant(k), k.endsWith('_FILE') ? 'from-a-file' : v]),
      );
      const problems: string[] = [];
      readProviders(resolved, PROVIDER_USE[name]!, problems);
      expect(problems).toEqual([]);
    }
  });

  it('publishes only the proxy, on 9200', () => {
    const published = Object.entries(compose.services).filter(([, s]) => (s.ports ?? []).length > 0);
    expect(published.map(([n]) => n)).toEqual(['proxy']);
    expect(compose.services.proxy!.ports).toEqual(['9200:9200']);
  });

  it('runs redis with AOF and nats with JetStream', () => {
    expect(compose.services.redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(compose.services.nats!.command).toEqual(expect.arrayContaining(['-js']));
  });

  describe('internal gRPC under mutual TLS (issue 10 item 4)', () => {
    const PREFIX: Record<keyof typeof CONFIG_SCHEMAS, string> = {
      proxy: 'PROXY',
      'auth-bearer': 'AUTH_BEARER',
      'auth-basic': 'AUTH_BASIC',
      'auth-app': 'AUTH_APP',
      'auth-apikey': 'AUTH_APIKEY',
    };
    const names = Object.keys(CONFIG_SCHEMAS) as Array<keyof typeof CONFIG_SCHEMAS>;
    /** Where a service's secret lands: /run/secrets/<target or name> → the compose secret's file. */
    const mounted = (name: string): Map<string, string> =>
      new Map(
        (compose.services[name]!.secrets ?? []).map((s) => {
          const { source, target } = typeof s === 'string' ? { source: s, target: s } : { source: s.source, target: s.target ?? s.source };
          return [`/run/secrets/${target}`, compose.secrets[source]!.file];
        }),
      );

    it.each(names)('%s: requires client certificates and presents its own, from the generated certificates', (name) => {
      const env = compose.services[name]!.environment!;
      expect([env.GATEHOUSE_GRPC_TLS_ENABLED, env.GATEHOUSE_GRPC_TLS_CLIENT_AUTH, env.GATEHOUSE_GRPC_ALLOW_INSECURE]).toEqual([
        'true',
        'true',
        undefined,
      ]);
      const files = mounted(name);
      expect(files.get(env.GATEHOUSE_GRPC_TLS_CERT!)).toBe(`./secrets/grpc-tls/${name}.crt`);
      expect(files.get(env.GATEHOUSE_GRPC_TLS_KEY!)).toBe(`./secrets/grpc-tls/${name}.key`);
      expect(files.get(env.GATEHOUSE_GRPC_TLS_CA!)).toBe('./secrets/grpc-tls/ca.crt');
    });

    it.each(names.filter((n) => n !== 'proxy'))(
      '%s: its internal gRPC address passes the fail-closed check only because of mTLS',
      (name) => {
        const env = compose.services[name]!.environment!;
        const variable = `${PREFIX[name]}_GRPC_ADDR`;
        const addr = env[variable]!;
        const tls = {
          enabled: env.GATEHOUSE_GRPC_TLS_ENABLED === 'true',
          certFile: env.GATEHOUSE_GRPC_TLS_CERT,
          keyFile: env.GATEHOUSE_GRPC_TLS_KEY,
          caFile: env.GATEHOUSE_GRPC_TLS_CA,
          requireClientCert: env.GATEHOUSE_GRPC_TLS_CLIENT_AUTH === 'true',
        };
        expect(internalGrpcProblem(variable, addr, tls, false)).toBeUndefined();
        expect(internalGrpcProblem(variable, addr, { ...tls, requireClientCert: false }, false)).toMatch(/not authenticated/);
      },
    );

    it('has `make certs` write every certificate file compose mounts (deploy/certs/dev-certs.sh)', () => {
      expect(readFileSync(resolve(process.cwd(), 'Makefile'), 'utf8')).toMatch(/^certs:\n\tbash deploy\/certs\/dev-certs\.sh$/m);
      const dir = mkdtempSync(join(tmpdir(), 'gh-dev-certs-'));
      try {
        execFileSync('bash', [resolve(process.cwd(), 'deploy/certs/dev-certs.sh'), dir], { stdio: 'ignore' });
        const wanted = Object.values(compose.secrets)
          .map((s) => s.file)
          .filter((f) => f.startsWith('./secrets/grpc-tls/'));
        expect(wanted.length).toBe(1 + 2 * names.length);
        for (const f of wanted) expect([f, existsSync(join(dir, basename(f)))]).toEqual([f, true]);
        // The admin CLI's credential, and no CA key left to mint more.
        expect([existsSync(join(dir, 'admin.crt')), existsSync(join(dir, 'admin.key')), existsSync(join(dir, 'ca.key'))]).toEqual([
          true,
          true,
          false,
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
