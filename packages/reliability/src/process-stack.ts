import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { withDerivedEndpoints } from '@gatehouse/cli';
import { freePort } from '@gatehouse/shared/testing';

/** `gatehouse <service> server`, the deployable form (docker-compose.yml runs the same command). */
export const GATEHOUSE_MAIN = join(dirname(createRequire(import.meta.url).resolve('@gatehouse/cli')), 'main.js');

export type ServiceName = 'auth-bearer' | 'auth-basic' | 'auth-app' | 'proxy';
const PREFIX: Record<ServiceName, string> = {
  'auth-bearer': 'AUTH_BEARER',
  'auth-basic': 'AUTH_BASIC',
  'auth-app': 'AUTH_APP',
  proxy: 'PROXY',
};
const ALL: ServiceName[] = ['auth-bearer', 'auth-basic', 'auth-app', 'proxy'];

/** Status and body of a GET without keep-alive (a drained or killed child never waits on our sockets). */
export function getStatus(url: string, timeoutMs = 2000): Promise<{ status: number; body: string } | undefined> {
  return new Promise((done) => {
    const req = get(url, { agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
      res.on('error', () => done(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(undefined));
  });
}

/** Polls until `check` holds; the error names what was awaited. Bounded: never hangs a test. */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, stepMs = 50): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** One service as its own operating-system process, on fixed ports so a restart comes back where it was. */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  /** Everything the process wrote to stderr (its logs at LOG_LEVEL, crashes), for failure messages. */
  stderr = '';

  constructor(
    readonly name: ServiceName,
    readonly ports: { http: number; grpc: number; debug: number },
    private readonly env: Record<string, string>,
    private readonly nodeArgs: string[] = [],
  ) {}

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  url(path = ''): string {
    return `http://127.0.0.1:${this.ports.http}${path}`;
  }

  debugUrl(path = ''): string {
    return `http://127.0.0.1:${this.ports.debug}${path}`;
  }

  /** Spawns the process and waits for /healthz (bounded); fails with its stderr if it exits first. */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.pid) throw new Error(`${this.name} is already running`);
    const child = spawn(process.execPath, [...this.nodeArgs, GATEHOUSE_MAIN, this.name, 'server'], {
      env: this.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    child.stderr.on('data', (d: Buffer) => {
      // Bounded: a chatty process must not grow the test's memory without end.
      if (this.stderr.length < 200_000) this.stderr += d.toString();
    });
    this.exit = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
    let exited = false;
    void this.exit.then(() => (exited = true));
    await until(
      `${this.name} /healthz`,
      async () => {
        if (exited) throw new Error(`${this.name} exited during start:\n${this.stderr}`);
        return (await getStatus(this.debugUrl('/healthz'), 500))?.status === 200;
      },
      timeoutMs,
    );
  }

  /** Waits until /readyz answers 200 (its dependencies answer). */
  async ready(timeoutMs = 60_000): Promise<number> {
    return until(`${this.name} /readyz`, async () => (await getStatus(this.debugUrl('/readyz'), 1500))?.status === 200, timeoutMs);
  }

  /** Sends a signal without waiting. */
  signal(sig: NodeJS.Signals): void {
    if (this.pid) process.kill(this.pid, sig);
  }

  /** Resolves with the exit code and signal once the process has exited. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exit ?? Promise.resolve({ code: null, signal: null });
  }

  /** Kills the process abruptly (SIGKILL: a crash, an OOM kill, a lost node) and waits for it. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited();
  }

  /** SIGTERM, then SIGKILL after `graceMs`; waits for the exit. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.pid) return;
    this.signal('SIGTERM');
    const t = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await this.exited();
    clearTimeout(t);
  }
}

export interface ProcessStack {
  services: Partial<Record<ServiceName, ServiceProcess>>;
  /** The proxy's public base URL (also PUBLIC_URL, the token issuer). */
  proxyUrl: string;
  /** The environment every process got (endpoints, secret, Redis and NATS URLs). */
  env: Record<string, string>;
  /** The service, which must have been started. */
  get(name: ServiceName): ServiceProcess;
  stop(): Promise<void>;
}

/**
 * Gatehouse as separate processes against a real Redis and NATS, each service on its own free
 * ports. Every process sees the same environment (like the all-in-one runtime's), so each finds
 * the others at their addresses whether they run or not; `envFor` adds per-service variables.
 */
export async function startProcessStack(o: {
  services: ServiceName[];
  redisUrl: string;
  natsUrl: string;
  /** WHOAMI_HTTP_ENDPOINT: the upstream behind the proxy's /whoami route. */
  upstreamUrl?: string;
  env?: Record<string, string>;
  /** More variables for every process once the ports are known (e.g. endpoints by another host name). */
  envFromPorts?: (ports: Record<ServiceName, { http: number; grpc: number; debug: number }>) => Record<string, string>;
  envFor?: Partial<Record<ServiceName, Record<string, string>>>;
  nodeArgs?: Partial<Record<ServiceName, string[]>>;
}): Promise<ProcessStack> {
  const ports = {} as Record<ServiceName, { http: number; grpc: number; debug: number }>;
  const addrs: Record<string, string> = {};
  for (const name of ALL) {
    ports[name] = { http: await freePort(), grpc: await freePort(), debug: await freePort() };
    for (const kind of ['http', 'grpc', 'debug'] as const)
      addrs[`${PREFIX[name]}_${kind.toUpperCase()}_ADDR`] = `127.0.0.1:${ports[name][kind]}`;
  }
  const derived = withDerivedEndpoints({
    ...addrs,
    ...(o.upstreamUrl ? { WHOAMI_HTTP_ENDPOINT: o.upstreamUrl } : {}),
  });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    GATEHOUSE_SECRET: 'reliability-test-secret-'.padEnd(48, 'x'),
    REDIS_URL: o.redisUrl,
    NATS_URL: o.natsUrl,
    LOG_LEVEL: 'warn',
    ...(Object.fromEntries(Object.entries(derived).filter(([, v]) => v !== undefined)) as Record<string, string>),
    ...o.env,
    ...o.envFromPorts?.(ports),
  };
  const services: ProcessStack['services'] = {};
  for (const name of o.services)
    services[name] = new ServiceProcess(name, ports[name], { ...env, ...o.envFor?.[name] }, o.nodeArgs?.[name] ?? []);
  const stack: ProcessStack = {
    services,
    proxyUrl: env.PUBLIC_URL!,
    env,
    get(name) {
      const s = services[name];
      if (!s) throw new Error(`${name} is not part of this stack`);
      return s;
    },
    async stop() {
      await Promise.all(Object.values(services).map((s) => s.stop(5000)));
    },
  };
  try {
    // In parallel: no service needs another to start (peers are dialled lazily, readiness waits).
    await Promise.all(Object.values(services).map((s) => s.start()));
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}
