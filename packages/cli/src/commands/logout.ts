import { parseArgs } from 'node:util';
import { endSession } from '../login/end-session.js';
import { deleteStoredLogin, readStoredLogin } from '../login/stored-login.js';

const USAGE = `usage: gatehouse logout
  Ends the session of your login at the server and deletes the stored tokens.`;

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
  const problem = await endSession(login);
  await deleteStoredLogin(env);
  if (problem) throw new Error(`the stored login was deleted, but the session may still be open: ${problem}`);
  out(`Signed out of ${login.server}.`);
}
