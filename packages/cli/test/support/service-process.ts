import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from '@gatehouse/shared/testing';

// `gatehouse <service> server` as a separate process, the deployable form, for the tests that run
// several instances of a service or kill one.
const MAIN = resolve(process.cwd(), 'packages/cli/dist/src/main.js');

const PREFIX = {
  proxy: 'PROXY',
  'auth-bearer': 'AUTH_BEARER',
  'auth-basic': 'AUTH_BASIC',
  'auth-app': 'AUTH_APP',
  'auth-apikey': 'AUTH_APIKEY',
} as const;
export type ServiceName = keyof typeof PREFIX;

export interface Ports {
  http: number;
  grpc: number;
  debug: number;
}

export interface ServiceProcess {
  name: ServiceName;
  ports: Ports;
  httpUrl: string;
  grpcAddr: string;
  debugUrl: string;
  /** Everything the process wrote to stderr and stdout (logs at LOG_LEVEL). */
  output(): string;
  /** Sends `signal` (default SIGTERM: drain) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Starts the same service again on the same ports (after stop). */
  restart(): Promise<void>;
  exited(): boolean;
}

export async function freePorts(): Promise<Ports> {
  return { http: await freePort(), grpc: await freePort(), debug: await freePort() };
}

export async function spawnService(name: ServiceName, ports: Ports, env: Record<string, string>): Promise<ServiceProcess> {
  const p = PREFIX[name];
  let child: ChildProcess;
  let out = '';
  const start = () => {
    child = spawn(process.execPath, [MAIN, name, 'server'], {
      env: {
        PATH: process.env.PATH ?? '',
        ...env,
        [`${p}_HTTP_ADDR`]: `127.0.0.1:${ports.http}`,
        [`${p}_GRPC_ADDR`]: `127.0.0.1:${ports.grpc}`,
        [`${p}_DEBUG_ADDR`]: `127.0.0.1:${ports.debug}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  };
  start();
  const svc: ServiceProcess = {
    name,
    ports,
    httpUrl: `http://127.0.0.1:${ports.http}`,
    grpcAddr: `127.0.0.1:${ports.grpc}`,
    debugUrl: `http://127.0.0.1:${ports.debug}`,
    output: () => out,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stop: async (signal = 'SIGTERM') => {
      if (svc.exited()) return child.exitCode;
      const done = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill(signal);
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await done;
      clearTimeout(force);
      return code;
    },
    restart: async () => {
      if (!svc.exited()) await svc.stop();
      start();
    },
  };
  return svc;
}

/** Resolves once every process answers /readyz with 200 (or throws with the laggards' output). */
export async function allReady(procs: ServiceProcess[], timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  const pending = new Set(procs);
  while (pending.size > 0) {
    for (const s of [...pending]) {
      if (s.exited()) throw new Error(`${s.name} exited during start:\n${s.output()}`);
      const ok = await fetch(`${s.debugUrl}/readyz`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) pending.delete(s);
    }
    if (pending.size === 0) return;
    if (Date.now() > end) {
      const detail = await Promise.all(
        [...pending].map(async (s) => `${s.name} ${s.debugUrl}: ${await fetch(`${s.debugUrl}/readyz`).then((r) => r.text(), String)}`),
      );
      throw new Error(`not ready within ${timeoutMs} ms:\n${detail.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
