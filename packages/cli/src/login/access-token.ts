import { isGatehouseError, type AccessToken__Output } from '@gatehouse/shared';
import { authClientFor } from './server-target.js';
import { deleteStoredLogin, readStoredLogin, writeStoredLogin, type StoredLogin } from './stored-login.js';

/** Refresh when the access token has less than this left: a command never starts with a token about to die. */
export const REFRESH_MARGIN_MS = 60_000;

const SIGN_IN_AGAIN = 'run `gatehouse login` to sign in again';

/** The stored login with a new AccessToken (LoginCli or RefreshCli) in it. */
export function withTokens(
  base: Omit<StoredLogin, 'access_token' | 'refresh_token' | 'id_token' | 'scope' | 'expires_at'>,
  t: AccessToken__Output,
  now: number,
): StoredLogin {
  return {
    ...base,
    access_token: t.access_token,
    ...(t.refresh_token ? { refresh_token: t.refresh_token } : {}),
    ...(t.id_token ? { id_token: t.id_token } : {}),
    scope: t.scope,
    expires_at: now + t.expires_in * 1000,
  };
}

/**
 * The signed-in user's login, its access token refreshed first when it expires within
 * REFRESH_MARGIN_MS (RefreshCli rotates the refresh token; the new pair is stored). `force`
 * refreshes whatever the expiry (the server refused the token). Says clearly when the user must
 * sign in again: never signed in, expired without a refresh token, or the session has ended
 * (signed out elsewhere, revoked, refresh token reused); a dead login is deleted.
 */
export async function currentLogin(
  env: Record<string, string | undefined>,
  opts: { now?: () => number; force?: boolean } = {},
): Promise<StoredLogin> {
  const now = opts.now ?? Date.now;
  const login = await readStoredLogin(env);
  if (!login) throw new Error('not signed in: run `gatehouse login` first');
  if (!opts.force && login.expires_at - now() > REFRESH_MARGIN_MS) return login;
  if (!login.refresh_token) {
    if (!opts.force && login.expires_at > now()) return login;
    throw new Error(`your login has expired (no refresh token was granted): ${SIGN_IN_AGAIN}`);
  }
  const client = authClientFor({ server: login.server, grpcServer: login.grpc_server });
  try {
    const res = await client.RefreshCli({ refresh_token: login.refresh_token });
    const next = withTokens(login, res.access_token!, now());
    await writeStoredLogin(env, next);
    return next;
  } catch (err) {
    if (isGatehouseError(err) && (err.code === 'INVALID_TOKEN' || err.code === 'TOKEN_EXPIRED' || err.code === 'UNAUTHENTICATED')) {
      await deleteStoredLogin(env);
      throw new Error(`your login has ended (expired, signed out or revoked): ${SIGN_IN_AGAIN}`, { cause: err });
    }
    throw err;
  } finally {
    client.close();
  }
}

/**
 * The signed-in user's access token for commands that act as that user (`whoami`, and
 * `gatehouse apikeys` once its token source reads it): the one reader of the stored login.
 */
export async function storedAccessToken(env: Record<string, string | undefined>): Promise<string> {
  return (await currentLogin(env)).access_token;
}
