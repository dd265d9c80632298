import { GatehouseError } from '@gatehouse/shared';
import { apiKeysCommand } from './commands/apikeys.js';
import { authAppCommand } from './commands/auth-app.js';
import { keysCommand } from './commands/keys.js';
import { loginCommand } from './commands/login.js';
import { logoutCommand } from './commands/logout.js';
import { sessionsCommand } from './commands/sessions.js';
import { usersCommand } from './commands/users.js';
import { whoamiCommand } from './commands/whoami.js';
import { startAllInOne, type RunningRuntime } from './runtime/all-in-one.js';
import { runSingleService } from './runtime/single-service.js';
import { isServiceName, SERVICE_NAMES } from './services.js';

export const USAGE = `gatehouse: authentication services

  gatehouse server                      every service in one process (embedded default)
  gatehouse <service> server            one service alone (needs REDIS_URL and NATS_URL)
                                        services: ${SERVICE_NAMES.join(', ')}
  gatehouse keys rotate                 new active signing key (auth-bearer)
  gatehouse users create|list|disable|delete|set-password
  gatehouse sessions list|revoke|revoke-all
  gatehouse auth-app create|list|delete
  gatehouse apikeys create|list|delete|exchange   API keys, through the proxy (as your login, or --token/GATEHOUSE_TOKEN)
  gatehouse login [--server=URL] [--no-browser]   sign in through the browser (tokens kept for later commands)
  gatehouse whoami                      the identity the proxy sees for your login
  gatehouse logout                      end the login's session and delete its tokens`;

/**
 * server: the all-in-one runtime (main.ts handles its signals); service: one service, whose
 * lifecycle runService owns; once: an admin command that exits when done.
 */
export type Command =
  | { kind: 'server'; start: () => Promise<RunningRuntime> }
  | { kind: 'service'; run: () => Promise<void> }
  | { kind: 'once'; run: () => Promise<void> };

/** Parses argv into what to do; main.ts does the side effects (signals, exit codes). */
export function parseCommand(
  argv: string[],
  env: Record<string, string | undefined>,
  out: (s: string) => void,
  /** stdoutIsTty: human-readable logs for `server` (main.ts knows the terminal). */
  io: { stdoutIsTty?: boolean } = {},
): Command {
  const [first, second, ...rest] = argv;
  if (first === 'server' && second === undefined)
    return { kind: 'server', start: () => startAllInOne(env, { prettyLogs: io.stdoutIsTty === true }) };
  if (first && isServiceName(first) && second === 'server') return { kind: 'service', run: () => runSingleService(first, env) };
  if (first === 'keys') return { kind: 'once', run: () => keysCommand([second ?? '', ...rest], env, out) };
  if (first === 'users') return { kind: 'once', run: () => usersCommand([second ?? '', ...rest], env, out) };
  if (first === 'sessions') return { kind: 'once', run: () => sessionsCommand([second ?? '', ...rest], env, out) };
  if (first === 'auth-app' && second !== 'server') return { kind: 'once', run: () => authAppCommand([second ?? '', ...rest], env, out) };
  if (first === 'apikeys') return { kind: 'once', run: () => apiKeysCommand([second ?? '', ...rest], env, out) };
  const args = argv.slice(1);
  if (first === 'login') return { kind: 'once', run: () => loginCommand(args, env, out) };
  if (first === 'whoami') return { kind: 'once', run: () => whoamiCommand(args, env, out) };
  if (first === 'logout') return { kind: 'once', run: () => logoutCommand(args, env, out) };
  throw new Error(USAGE);
}

export function describeError(err: unknown): string {
  if (err instanceof GatehouseError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
