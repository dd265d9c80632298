import { parseArgs } from 'node:util';
import { createTokenClient, createUserClient } from '@gatehouse/shared';
import { adminEndpoint, clientOptions } from './grpc-target.js';

const USAGE = `usage:
  gatehouse sessions list --email=E | --user-id=ID
  gatehouse sessions revoke --session-id=SID
  gatehouse sessions revoke-all --email=E | --user-id=ID     (sign out everywhere)`;

/** gatehouse sessions list|revoke|revoke-all, over auth-bearer's TokenService. */
export async function sessionsCommand(argv: string[], env: Record<string, string | undefined>, out: (s: string) => void): Promise<void> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { email: { type: 'string' }, 'user-id': { type: 'string' }, 'session-id': { type: 'string' } },
    strict: true,
  });
  const opts = clientOptions(env);
  const tokens = createTokenClient(adminEndpoint(env, 'AUTH_BEARER', '127.0.0.1:9211'), opts);
  const userId = async (): Promise<string> => {
    if (values['user-id']) return values['user-id'];
    if (!values.email) throw new Error(`--email or --user-id is required\n${USAGE}`);
    const users = createUserClient(adminEndpoint(env, 'AUTH_BASIC', '127.0.0.1:9221'), opts);
    try {
      return (await users.GetUser({ email: values.email })).id;
    } finally {
      users.close();
    }
  };
  try {
    switch (sub) {
      case 'list': {
        const res = await tokens.ListSessions({ user_id: await userId() });
        for (const s of res.sessions)
          out(`${s.id}\t${s.client_id}\t${s.amr.join(',')}\t${new Date(s.last_used_at_ms).toISOString()}\t${s.ip}\t${s.user_agent}`);
        return;
      }
      case 'revoke': {
        if (!values['session-id']) throw new Error(`--session-id is required\n${USAGE}`);
        const res = await tokens.RevokeSession({ session_id: values['session-id'], reason: 'cli' });
        out(res.revoked > 0 ? 'revoked' : 'no such session');
        return;
      }
      case 'revoke-all': {
        const res = await tokens.RevokeUser({ user_id: await userId(), reason: 'cli' });
        out(`revoked ${res.revoked} session(s)`);
        return;
      }
      default:
        throw new Error(USAGE);
    }
  } finally {
    tokens.close();
  }
}
