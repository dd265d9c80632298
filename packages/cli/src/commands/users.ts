import { parseArgs } from 'node:util';
import { createUserClient } from '@gatehouse/shared';
import { adminEndpoint, clientOptions } from './grpc-target.js';

const USAGE = `usage:
  gatehouse users create --email=E [--name=N] [--password=P] [--role=R ...] [--group=G ...]
  gatehouse users list
  gatehouse users disable --email=E | --id=ID
  gatehouse users delete --email=E | --id=ID
  gatehouse users set-password --email=E | --id=ID --password=P`;

/** gatehouse users create|list|disable|delete|set-password, over auth-basic's UserService. */
export async function usersCommand(argv: string[], env: Record<string, string | undefined>, out: (s: string) => void): Promise<void> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      email: { type: 'string' },
      id: { type: 'string' },
      name: { type: 'string' },
      password: { type: 'string' },
      role: { type: 'string', multiple: true },
      group: { type: 'string', multiple: true },
    },
    strict: true,
  });
  const client = createUserClient(adminEndpoint(env, 'AUTH_BASIC', '127.0.0.1:9221'), clientOptions(env));
  const key = () => {
    if (values.id) return { id: values.id };
    if (values.email) return { email: values.email };
    throw new Error(`--email or --id is required\n${USAGE}`);
  };
  try {
    switch (sub) {
      case 'create': {
        if (!values.email) throw new Error(`--email is required\n${USAGE}`);
        const u = await client.CreateUser({
          email: values.email,
          name: values.name ?? '',
          password: values.password ?? env.GATEHOUSE_USER_PASSWORD ?? '',
          roles: values.role ?? [],
          groups: values.group ?? [],
          provider: 'local',
        });
        out(JSON.stringify(u, null, 2));
        return;
      }
      case 'list': {
        let cursor = '';
        do {
          const page = await client.ListUsers({ limit: 100, cursor });
          for (const u of page.users) out(`${u.id}\t${u.email}\t${u.status}\t${u.roles.join(',')}`);
          cursor = page.next_cursor;
        } while (cursor);
        return;
      }
      case 'disable':
        out(JSON.stringify(await client.DisableUser(key()), null, 2));
        return;
      case 'delete':
        await client.DeleteUser(key());
        out('deleted');
        return;
      case 'set-password': {
        if (!values.password) throw new Error(`--password is required\n${USAGE}`);
        const k = key();
        const id = 'id' in k ? k.id : (await client.GetUser(k)).id;
        await client.SetPassword({ id, password: values.password });
        out('password changed; sessions revoked');
        return;
      }
      default:
        throw new Error(USAGE);
    }
  } finally {
    client.close();
  }
}
