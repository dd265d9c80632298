import { parseArgs } from 'node:util';
import { createAppTokenClient } from '@gatehouse/shared';
import { adminEndpoint, clientOptions } from './grpc-target.js';

const USAGE = `usage:
  gatehouse auth-app create --user-name=U [--expiration=72h] [--label=L]
  gatehouse auth-app list --user-name=U
  gatehouse auth-app delete --user-name=U --token=<id or token>`;

/** gatehouse auth-app create|list|delete (oCIS `ocis auth-app create`), over AppTokenService. */
export async function authAppCommand(argv: string[], env: Record<string, string | undefined>, out: (s: string) => void): Promise<void> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      'user-name': { type: 'string' },
      'user-id': { type: 'string' },
      expiration: { type: 'string' },
      label: { type: 'string' },
      token: { type: 'string' },
    },
    strict: true,
  });
  const user = values['user-id'] ? { user_id: values['user-id'] } : values['user-name'] ? { user_name: values['user-name'] } : undefined;
  if (!user) throw new Error(`--user-name is required\n${USAGE}`);
  const client = createAppTokenClient(adminEndpoint(env, 'AUTH_APP', '127.0.0.1:9231'), clientOptions(env));
  try {
    switch (sub) {
      case 'create': {
        const res = await client.CreateAppToken({
          ...user,
          expiry: values.expiration ?? '72h',
          label: values.label ?? 'Generated via CLI',
          scopes: [],
          actor_user_id: '',
        });
        out(
          JSON.stringify(
            {
              token: res.token,
              id: res.info?.id,
              label: res.info?.label,
              expiration_date: new Date(res.info?.expires_at_ms ?? 0).toISOString(),
            },
            null,
            2,
          ),
        );
        return;
      }
      case 'list': {
        const res = await client.ListAppTokens(user);
        for (const t of res.tokens)
          out(
            `${t.id}\t${t.label}\t${new Date(t.expires_at_ms).toISOString()}\t${t.last_used_at_ms ? new Date(t.last_used_at_ms).toISOString() : '-'}`,
          );
        return;
      }
      case 'delete':
        if (!values.token) throw new Error(`--token is required\n${USAGE}`);
        await client.DeleteAppToken({ ...user, token: values.token });
        out('deleted');
        return;
      default:
        throw new Error(USAGE);
    }
  } finally {
    client.close();
  }
}
