import { ADMIN_ROLE, createUserClient } from '@gatehouse/shared';
import { errorCodeOfBody } from '@gatehouse/shared/testing';

export interface Answer {
  status: number;
  /** The stable error code of a Directus-shaped error body. */
  code: string | undefined;
  retryAfter: string | null;
  body: any;
  /** Set when no HTTP answer came back (connection refused or reset, timeout). */
  failure?: string;
}

/** One request, bounded in time; a network failure is an answer with status 0, never a throw. */
export async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; json?: unknown; timeoutMs?: number } = {},
): Promise<Answer> {
  try {
    const res = await fetch(url, {
      method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
      headers: { ...(init.json === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
      signal: AbortSignal.timeout(init.timeoutMs ?? 10_000),
      redirect: 'manual',
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { status: res.status, code: errorCodeOfBody(body), retryAfter: res.headers.get('retry-after'), body };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return { status: 0, code: undefined, retryAfter: null, body: undefined, failure: cause?.code ?? (err as Error).name };
  }
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
export const basic = (user: string, password: string): Record<string, string> => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

/** The `sid` claim of an access token (read, not verified: the test issued it). */
export function sidOf(accessToken: string): string {
  return (JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString()) as { sid: string }).sid;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
}

/** Password login through the proxy (json mode); throws unless 200. */
export async function login(proxyUrl: string, email: string, password: string): Promise<Tokens> {
  const a = await call(`${proxyUrl}/auth/login`, { json: { email, password } });
  if (a.status !== 200) throw new Error(`login of ${email}: ${a.status} ${JSON.stringify(a.body)}`);
  return a.body.data as Tokens;
}

/** Creates users through auth-basic's UserService (what `gatehouse users create` does). */
export async function createUsers(
  authBasicGrpc: string,
  users: Array<{ email: string; password: string; admin?: boolean }>,
  concurrency = 4,
): Promise<void> {
  const client = createUserClient(authBasicGrpc, { deadlineMs: 30_000 });
  try {
    const queue = [...users];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let u = queue.shift(); u; u = queue.shift())
          await client.CreateUser({
            email: u.email,
            name: u.email.split('@')[0]!,
            password: u.password,
            roles: u.admin ? [ADMIN_ROLE] : [],
            groups: [],
            provider: 'local',
          });
      }),
    );
  } finally {
    client.close();
  }
}
