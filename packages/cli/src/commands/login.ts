import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { decodeJwt } from 'jose';
import { isGatehouseError } from '@gatehouse/shared';
import { withTokens } from '../login/access-token.js';
import { callbackPage } from '../login/callback-page.js';
import { listenForCallback, FIRST_CALLBACK_PORT } from '../login/loopback-callback.js';
import { openBrowser } from '../login/open-browser.js';
import { authClientFor, serverTarget } from '../login/server-target.js';
import { endSession } from '../login/end-session.js';
import { readStoredLogin, writeStoredLogin } from '../login/stored-login.js';

const USAGE = `usage: gatehouse login [--server=URL] [--grpc-server=HOST:PORT] [--no-browser]
  Signs you in through the browser and keeps the tokens in $GATEHOUSE_CONFIG_DIR
  (else $XDG_CONFIG_HOME/gatehouse, else ~/.config/gatehouse).
  --server       the proxy (GATEHOUSE_SERVER; default http://127.0.0.1:9200)
  --grpc-server  its gRPC entry (PROXY_GRPC_ENDPOINT; default the server's host on 9201)
  --no-browser   print the sign-in URL instead of opening a browser`;

/** How long the CLI waits for the browser to come back. */
export const LOGIN_TIMEOUT_MS = 5 * 60_000;
/** Offline access: a refresh token, so later commands refresh instead of asking to sign in again. */
const SCOPE = 'openid profile offline_access';

const b64url = (b: Buffer) => b.toString('base64url');

export interface LoginDeps {
  /** Tests: where the loopback listener starts looking for a port, and how long it waits. */
  firstPort?: number;
  timeoutMs?: number;
  openBrowser?: (url: string) => Promise<boolean>;
}

/**
 * gatehouse login: Neosync's CLI flow through seed 000, plus PKCE (the extension fields). GetAuthStatus,
 * GetCliIssuer, then GetAuthorizeUrl with a random state and a loopback redirect; the browser signs
 * in at the IdP and comes back to the listener, which checks state (and `iss`); LoginCli exchanges
 * the code; the tokens are stored 0600 in a 0700 folder.
 */
export async function loginCommand(
  argv: string[],
  env: Record<string, string | undefined>,
  out: (s: string) => void,
  deps: LoginDeps = {},
): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      'grpc-server': { type: 'string' },
      'no-browser': { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return out(USAGE);
  const target = serverTarget({ server: values.server, grpcServer: values['grpc-server'] }, env);
  // A damaged file must not keep anyone from signing in again: the new login replaces it.
  const previous = await readStoredLogin(env).catch(() => null);
  const client = authClientFor(target);
  const listener = await listenForCallback(deps.firstPort ?? FIRST_CALLBACK_PORT);
  try {
    const status = await client.GetAuthStatus({});
    if (!status.is_enabled) throw new Error(`${target.server} does not use authentication: there is nothing to sign in to`);
    const { issuer_url: issuer } = await client.GetCliIssuer({});
    const state = b64url(randomBytes(32));
    const verifier = b64url(randomBytes(32));
    const challenge = b64url(createHash('sha256').update(verifier).digest());
    const { url } = await client.GetAuthorizeUrl({ state, redirect_uri: listener.redirectUri, scope: SCOPE, code_challenge: challenge });
    out(`Sign in at ${issuer} in your browser:\n\n  ${url}\n`);
    if (!values['no-browser'] && !(await (deps.openBrowser ?? openBrowser)(url)))
      out('(No browser could be opened: open the URL above yourself.)');
    out(
      `Waiting for the browser at ${listener.redirectUri} (up to ${Math.round((deps.timeoutMs ?? LOGIN_TIMEOUT_MS) / 60_000)} minutes)...`,
    );
    const hit = await listener.wait(state, deps.timeoutMs ?? LOGIN_TIMEOUT_MS);
    try {
      // RFC 9207: a response from another issuer than the one this login went to is refused.
      if (hit.iss !== undefined && hit.iss !== issuer) throw new Error(`the sign-in came back from ${hit.iss}, not from ${issuer}`);
      const res = await client.LoginCli({ code: hit.code, redirect_uri: listener.redirectUri, code_verifier: verifier });
      const t = res.access_token!;
      await writeStoredLogin(env, withTokens({ version: 1, server: target.server, grpc_server: target.grpcServer, issuer }, t, Date.now()));
      // Gatehouse's own access token names the account it signed in (the IdP's ID token may lack the e-mail).
      const who = decodeJwt(t.access_token);
      const name = typeof who.email === 'string' ? who.email : String(who.sub);
      hit.finish(callbackPage(200, 'Signed in', `Signed in to Gatehouse as ${name}. You may close this window.`));
      // The login this one replaces: its session would otherwise stay open with nobody holding it.
      if (previous) await endSession(previous);
      out(`Signed in as ${name}.${t.refresh_token ? '' : ' (No refresh token: you will sign in again when the token expires.)'}`);
    } catch (err) {
      const why = isGatehouseError(err) ? err.message : 'see the terminal';
      hit.finish(callbackPage(400, 'Sign-in failed', `${why} You may close this window.`));
      throw err;
    }
  } finally {
    await listener.close();
    client.close();
  }
}
