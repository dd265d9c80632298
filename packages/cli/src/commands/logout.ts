import { parseArgs } from 'node:util';
import { decodeJwt } from 'jose';
import { deleteStoredLogin, readStoredLogin } from '../login/stored-login.js';

const USAGE = `usage: gatehouse logout
  Ends the session of your login at the server and deletes the stored tokens.`;

/** Ends the session: POST /auth/logout with the refresh token, else DELETE /auth/sessions/<sid> with the access token. */
async function revoke(server: string, login: { access_token: string; refresh_token?: string | undefined }): Promise<Response> {
  if (login.refresh_token)
    return fetch(`${server}/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'json', refresh_token: login.refresh_token }),
    });
  const sid = decodeJwt(login.access_token).sid;
  return fetch(`${server}/auth/sessions/${encodeURIComponent(String(sid))}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${login.access_token}` },
  });
}

/**
 * gatehouse logout: the session ends at the server (the proxy refuses its access tokens from then
 * on, through the revocation event), then the stored login is deleted. The files go even when the
 * server cannot be reached: the command says so and fails, so a script notices.
 */
export async function logoutCommand(argv: string[], env: Record<string, string | undefined>, out: (s: string) => void): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { help: { type: 'boolean' } } });
  if (values.help) return out(USAGE);
  const login = await readStoredLogin(env);
  if (!login) return out('not signed in');
  let problem: string | undefined;
  try {
    const res = await revoke(login.server, login);
    await res.body?.cancel();
    // 401: the access token (no refresh token) has expired or was revoked: nothing left to end.
    if (!res.ok && res.status !== 401 && res.status !== 404) problem = `${login.server} answered ${res.status}`;
  } catch (err) {
    problem = `${login.server} could not be reached (${err instanceof Error ? err.message : String(err)})`;
  }
  await deleteStoredLogin(env);
  if (problem) throw new Error(`the stored login was deleted, but the session may still be open: ${problem}`);
  out(`Signed out of ${login.server}.`);
}
