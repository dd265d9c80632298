import { decodeJwt } from 'jose';
import type { StoredLogin } from './stored-login.js';

/**
 * Ends a stored login's session at its server: POST /auth/logout with the refresh token, else
 * DELETE /auth/sessions/<sid> with the access token. Resolves with a problem to report, or
 * undefined when the session is gone (401/404 included: an expired or revoked login has nothing left to end).
 */
export async function endSession(login: Pick<StoredLogin, 'server' | 'access_token' | 'refresh_token'>): Promise<string | undefined> {
  try {
    const res = login.refresh_token
      ? await fetch(`${login.server}/auth/logout`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ mode: 'json', refresh_token: login.refresh_token }),
          signal: AbortSignal.timeout(10_000),
        })
      : await fetch(`${login.server}/auth/sessions/${encodeURIComponent(String(decodeJwt(login.access_token).sid))}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${login.access_token}` },
          signal: AbortSignal.timeout(10_000),
        });
    await res.body?.cancel();
    return res.ok || res.status === 401 || res.status === 404 ? undefined : `${login.server} answered ${res.status}`;
  } catch (err) {
    return `${login.server} could not be reached (${err instanceof Error ? err.message : String(err)})`;
  }
}
