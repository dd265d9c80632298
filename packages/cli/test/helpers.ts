import { eventually, freePort } from '@gatehouse/shared/testing';
import { DEFAULT_ADDRS } from '../src/runtime/endpoints.js';

/** Every listen address of the all-in-one runtime on a free loopback port. */
export async function freeAddrs(): Promise<Record<string, string>> {
  const names = Object.keys(DEFAULT_ADDRS);
  const out: Record<string, string> = {};
  for (const n of names) out[n] = `127.0.0.1:${await freePort()}`;
  return out;
}

/** `eventually` that also rides out failures (a server still starting): the last one is in the timeout's message. */
export async function waitFor<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 15_000, stepMs = 100): Promise<T> {
  let last: Error | undefined;
  const attempt = async () => {
    try {
      return await fn();
    } catch (err) {
      last = err instanceof Error ? err : new Error(String(err));
      return undefined;
    }
  };
  try {
    return (await eventually(attempt, timeoutMs, stepMs)) as T;
  } catch {
    throw new Error(`timed out${last ? `: ${last.message}` : ''}`);
  }
}

export const json = async (res: Response): Promise<any> => {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/**
 * Starts something on freshly chosen free ports, choosing again when a port was taken between the
 * choice and the bind (another test file running in parallel may grab it): EADDRINUSE is retried.
 */
export async function onFreePorts<T>(
  start: (addrs: Record<string, string>) => Promise<T>,
  attempts = 3,
): Promise<{ addrs: Record<string, string>; value: T }> {
  for (let i = 1; ; i++) {
    const addrs = await freeAddrs();
    try {
      return { addrs, value: await start(addrs) };
    } catch (err) {
      const inUse = /EADDRINUSE|address already in use/i.test(String((err as Error)?.message ?? err));
      if (!inUse || i >= attempts) throw err;
    }
  }
}
