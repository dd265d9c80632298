// Processes of the bench: free ports, readiness, CPU pinning, load generators in their own process.
import { fork, spawn, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export const freePort = () =>
  new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

export async function waitReady(url, ms = 60_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready: ${url}`);
}

/** Pinning, where taskset exists and there are two cores: proxies on core 0, upstream and load on core 1. */
export const pinning = cpus().length >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
export const PROXY_CORE = '0';
export const LOAD_CORE = '1';

export function pin(pid, core) {
  if (pinning && pid) spawnSync('taskset', ['-a', '-cp', core, String(pid)], { stdio: 'ignore' });
}

/** A long-lived node process that reports its port over IPC (`process.send({ port })`). */
export async function startNode(script, args, { core, env, execArgv } = {}) {
  const child = fork(script, args, {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
    ...(execArgv ? { execArgv } : {}),
  });
  pin(child.pid, core);
  const port = await new Promise((res, rej) => {
    child.once('message', (m) => res(m.port));
    child.once('exit', (code) => rej(new Error(`${script} exited with ${code}`)));
  });
  return {
    child,
    port,
    stop: () => {
      child.kill('SIGTERM');
      return new Promise((res) => (child.exitCode !== null ? res() : child.once('exit', res)));
    },
  };
}

function runJson(script, opts, core = LOAD_CORE) {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(here, '..', script), JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'inherit'] });
    pin(child.pid, core);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      if (code !== 0) return rej(new Error(`${script} exited with ${code}`));
      try {
        res(JSON.parse(out.trim().split('\n').pop()));
      } catch (err) {
        rej(err);
      }
    });
  });
}

/** autocannon in its own process, pinned with the upstream. */
export const httpLoad = (opts) => runJson('load.js', opts);
/** The grpc-js driver in its own process. */
export const grpcLoad = (opts) => runJson('grpc-driver.js', opts);
/** Raw bcryptjs compares per second on both cores (the login storm's reference). */
export const bcryptRate = (opts) => runJson('refs/bcrypt-rate.js', opts, `${PROXY_CORE},${LOAD_CORE}`);
