import { currentLogin, storedAccessToken } from '../login/access-token.js';
import { readStoredLogin } from '../login/stored-login.js';

export const NOT_SIGNED_IN = 'not signed in: run `gatehouse login` (or pass --token=<access token>, or set GATEHOUSE_TOKEN)';

/** The token a command acts with as the signed-in user, and where it may be sent. */
export interface UserToken {
  token: string;
  /**
   * Where the stored login was made: its proxy's gRPC entry and whether that proxy is https. The
   * stored token goes there only; undefined for a token given with --token or GATEHOUSE_TOKEN.
   */
  login?: { grpcServer: string; https: boolean };
  /** A fresh token after the server refused this one (the stored login refreshed); undefined for a given token. */
  renew?: () => Promise<string>;
}

/**
 * The signed-in user's access token for commands that act as that user through the proxy:
 * `--token`, else GATEHOUSE_TOKEN, else the login `gatehouse login` stored (refreshed first when it
 * is about to expire). Says clearly when the user must run `gatehouse login`.
 */
export async function userToken(flag: string | undefined, env: Record<string, string | undefined>): Promise<UserToken> {
  const given = flag ?? env.GATEHOUSE_TOKEN;
  if (given) return { token: given };
  const login = await readStoredLogin(env);
  if (!login) throw new Error(NOT_SIGNED_IN);
  return {
    token: await storedAccessToken(env),
    login: { grpcServer: login.grpc_server, https: login.server.startsWith('https:') },
    renew: async () => (await currentLogin(env, { force: true })).access_token,
  };
}
