import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the CLI keeps its login: $GATEHOUSE_CONFIG_DIR, else $XDG_CONFIG_HOME/gatehouse, else
 * ~/.config/gatehouse (XDG Base Directory defaults). Relative values are ignored, as the XDG
 * specification says, so a login never lands in whatever the current directory happens to be.
 */
export function loginConfigDir(env: Record<string, string | undefined>, home: string = homedir()): string {
  const absolute = (v: string | undefined) => (v && v.startsWith('/') ? v : undefined);
  const own = absolute(env.GATEHOUSE_CONFIG_DIR);
  if (own) return own;
  return join(absolute(env.XDG_CONFIG_HOME) ?? join(home, '.config'), 'gatehouse');
}
