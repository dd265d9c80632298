import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

export interface SpawnedServer {
  port: number;
  url: string;
  pid: number;
  /** Stops the process by pid (SIGTERM, then SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the process abruptly, as an outage would (for failure tests). */
  kill(): Promise<void>;
}

export function requireBinary(name: string, installHint: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${name} || ls /usr/sbin/${name} /usr/bin/${name} 2>/dev/null | head -1`], {
    encoding: 'utf8',
  }).stdout.trim();
  if (!found) throw new Error(`${name} is not installed. ${installHint}`);
  return found.split('\n')[0]!;
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function spawnServer(bin: string, args: string[], port: number, scheme: string): Promise<SpawnedServer> {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const failed = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${bin} exited with ${code}: ${stderr}`))),
  );
  await Promise.race([waitForPort(port), failed]);
  failed.catch(() => undefined);
  const pid = child.pid!;
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(pid, signal);
    const timer = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 3000);
    await exited(child);
    clearTimeout(timer);
  };
  return { port, pid, url: `${scheme}://127.0.0.1:${port}`, stop: () => stopWith('SIGTERM'), kill: () => stopWith('SIGKILL') };
}
