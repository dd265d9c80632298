import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ADDRS, startAllInOne, type RunningRuntime } from '@gatehouse/cli';
import { createLogger } from '@gatehouse/shared';
import { freePort } from '@gatehouse/shared/testing';
import { call } from './client.js';
import { until } from './process-stack.js';

/**
 * The whole runtime in this process (`gatehouse server`: every service on its own free ports,
 * in-memory store and bus unless REDIS_URL / NATS_URL are given), ready when this resolves.
 */
export async function startRuntime(
  env: Record<string, string>,
): Promise<{ rt: RunningRuntime; base: string; port: number; addrs: Record<string, string> }> {
  const addrs: Record<string, string> = {};
  for (const k of Object.keys(DEFAULT_ADDRS)) addrs[k] = `127.0.0.1:${await freePort()}`;
  const rt = await startAllInOne(
    { BCRYPT_COST: '4', LOGIN_STALL_TIME: '10ms', LOG_LEVEL: 'silent', ...addrs, ...env },
    {
      logger: createLogger({ service: 'reliability', level: 'silent' }),
      print: () => undefined,
      dataDir: mkdtempSync(join(tmpdir(), 'gh-rt-')),
    },
  );
  const port = Number(addrs.PROXY_HTTP_ADDR!.split(':')[1]);
  await until('proxy ready', async () => (await call(`http://${addrs.PROXY_DEBUG_ADDR}/readyz`)).status === 200, 60_000);
  return { rt, base: `http://127.0.0.1:${port}`, port, addrs };
}
