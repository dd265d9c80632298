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

// The shared test helpers, re-exported for the suites that import them from here.
export { errorCode, eventually } from '@gatehouse/shared/testing';
