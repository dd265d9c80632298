import { parseArgs } from 'node:util';
import { currentLogin } from '../login/access-token.js';
import { serverTarget } from '../login/server-target.js';
import { readStoredLogin } from '../login/stored-login.js';

const USAGE = `usage: gatehouse whoami [--server=URL] [--json]
  The identity the proxy sees for your login (from its /whoami upstream).`;

interface Identity {
  sub?: string;
  email?: string;
  name?: string;
  roles?: string[];
  amr?: string[];
  sid?: string;
  auth_method?: string;
}

async function askWhoami(server: string, token: string): Promise<Response> {
  return fetch(`${server}/whoami`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
}

/**
 * gatehouse whoami: GET /whoami through the proxy with the stored login's access token (refreshed
 * first when it is about to expire, and once more if the proxy refuses it), and prints who it is.
 */
export async function whoamiCommand(argv: string[], env: Record<string, string | undefined>, out: (s: string) => void): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { server: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) return out(USAGE);
  const stored = await readStoredLogin(env);
  const target = serverTarget(
    { server: values.server },
    env,
    stored ? { server: stored.server, grpcServer: stored.grpc_server } : undefined,
  );
  if (stored && stored.server !== target.server)
    throw new Error(`you are signed in to ${stored.server}, not ${target.server}: run \`gatehouse login --server=${target.server}\``);
  let login = await currentLogin(env);
  let res = await askWhoami(target.server, login.access_token);
  if (res.status === 401) {
    await res.body?.cancel();
    login = await currentLogin(env, { force: true });
    res = await askWhoami(target.server, login.access_token);
  }
  const text = await res.text();
  if (res.status === 401) throw new Error('the proxy refuses your login: run `gatehouse login` to sign in again');
  if (res.status === 404) throw new Error(`${target.server} has no /whoami route (the all-in-one runtime serves one)`);
  if (!res.ok) throw new Error(`${target.server}/whoami answered ${res.status}`);
  const identity = (JSON.parse(text) as { data?: { identity?: Identity } }).data?.identity ?? {};
  if (values.json) return out(JSON.stringify(identity, null, 2));
  out(`${identity.email ?? identity.sub ?? '?'}${identity.name ? ` (${identity.name})` : ''}`);
  out(`  user id:  ${identity.sub ?? '?'}`);
  out(`  roles:    ${(identity.roles ?? []).join(', ') || '-'}`);
  out(`  signed in with: ${(identity.amr ?? []).join(', ') || '-'} (${identity.auth_method ?? '?'})`);
  out(`  server:   ${target.server}`);
}
