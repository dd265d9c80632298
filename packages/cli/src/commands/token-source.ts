/**
 * The signed-in user's access token for commands that act as that user through the proxy. For now
 * `--token` or GATEHOUSE_TOKEN; `gatehouse login` (issue 12) will store tokens in
 * $GATEHOUSE_CONFIG_DIR, else $XDG_CONFIG_HOME/gatehouse, else ~/.config/gatehouse, and reading
 * (and refreshing) them belongs here: it is the one place to change.
 */
export function userToken(flag: string | undefined, env: Record<string, string | undefined>): string {
  const token = flag ?? env.GATEHOUSE_TOKEN;
  if (!token) throw new Error('not signed in: pass --token=<access token> or set GATEHOUSE_TOKEN');
  return token;
}
