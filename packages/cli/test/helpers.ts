import { freePort } from '@gatehouse/shared/testing';

/** Every listen address of the all-in-one runtime on a free loopback port. */
export async function freeAddrs(): Promise<Record<string, string>> {
  const names = [
    'PROXY_HTTP_ADDR',
    'PROXY_GRPC_ADDR',
    'PROXY_DEBUG_ADDR',
    'AUTH_BEARER_HTTP_ADDR',
    'AUTH_BEARER_GRPC_ADDR',
    'AUTH_BEARER_DEBUG_ADDR',
    'AUTH_BASIC_HTTP_ADDR',
    'AUTH_BASIC_GRPC_ADDR',
    'AUTH_BASIC_DEBUG_ADDR',
    'AUTH_APP_HTTP_ADDR',
    'AUTH_APP_GRPC_ADDR',
    'AUTH_APP_DEBUG_ADDR',
    'AUTH_APIKEY_HTTP_ADDR',
    'AUTH_APIKEY_GRPC_ADDR',
    'AUTH_APIKEY_DEBUG_ADDR',
    'WHOAMI_HTTP_ADDR',
  ];
  const out: Record<string, string> = {};
  for (const n of names) out[n] = `127.0.0.1:${await freePort()}`;
  return out;
}

export async function waitFor<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 15_000, stepMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: Error | undefined;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err instanceof Error ? err : new Error(String(err));
    }
    if (Date.now() > end) throw new Error(`timed out${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
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
