import { IDENTITY_HEADER } from '@gatehouse/shared';

export interface HttpResult {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

/** The seed's curl calls: `--header 'accept: application/json'`, the identity the proxy would add. */
export async function call(
  base: string,
  method: string,
  path: string,
  identity?: string,
  init: { body?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { accept: 'application/json', ...(identity ? { [IDENTITY_HEADER]: identity } : {}), ...(init.headers ?? {}) },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined, text, headers: res.headers };
}

/** The stable error code of an error response. */
export function errorCode(r: HttpResult): string | undefined {
  return (r.body as { errors?: Array<{ extensions?: { code?: string } }> } | undefined)?.errors?.[0]?.extensions?.code;
}

/** Polls until `check` returns a truthy value (bounded: a missed event fails the test, never hangs it). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 3000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
