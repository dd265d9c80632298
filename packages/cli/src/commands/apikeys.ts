import { parseArgs } from 'node:util';
import { Metadata } from '@grpc/grpc-js';
import { createApiKeyClient, type APIKey__Output } from '@gatehouse/shared';
import { clientOptions, endpoint } from './grpc-target.js';
import { userToken } from './token-source.js';

const USAGE = `usage:
  gatehouse apikeys create --name=N [--scope=S]... [--redirect=/path]   a key and the URL that authorizes it
  gatehouse apikeys list
  gatehouse apikeys delete --uuid=<uuid>
  gatehouse apikeys exchange                      the key from GATEHOUSE_API_KEY (or --key), prints an access token
The proxy's gRPC entry: PROXY_GRPC_ENDPOINT (default 127.0.0.1:9201). The user: --token or GATEHOUSE_TOKEN.`;

const uuidText = (b: Buffer) => b.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
const uuidBytes = (text: string): Buffer => {
  const hex = text.replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`--uuid must be a key's uuid\n${USAGE}`);
  return Buffer.from(hex, 'hex');
};
const when = (t: { seconds: number } | null | undefined) => (t && t.seconds > 0 ? new Date(t.seconds * 1000).toISOString() : '-');

function describe(k: APIKey__Output): string {
  const m = k.metadata!;
  const error = m.error ? `\t${m.error}` : '';
  return `${uuidText(m.uuid)}\t${k.properties?.name ?? ''}\t${m.status.replace('KEY_STATUS_', '')}\t${m.scopes.join(' ') || '-'}\t${when(m.created)}\t${when(m.lastUsed)}${error}`;
}

/** gatehouse apikeys create|list|delete|exchange: apikeys.ApiKeyService through the proxy's gRPC entry. */
export async function apiKeysCommand(argv: string[], env: Record<string, string | undefined>, out: (s: string) => void): Promise<void> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string' },
      scope: { type: 'string', multiple: true },
      redirect: { type: 'string' },
      uuid: { type: 'string' },
      key: { type: 'string' },
      token: { type: 'string' },
    },
    strict: true,
  });
  const client = createApiKeyClient(endpoint(env, 'PROXY', '127.0.0.1:9201'), clientOptions(env));
  const asUser = () => {
    const md = new Metadata();
    md.set('authorization', `Bearer ${userToken(values.token, env)}`);
    return { metadata: md };
  };
  try {
    switch (sub) {
      case 'create': {
        if (!values.name) throw new Error(`--name is required\n${USAGE}`);
        const res = await client.CreateAPIKey(
          { name: values.name, scopes: values.scope ?? [], finalFrontendRedirect: values.redirect ?? '' },
          asUser(),
        );
        const m = res.key!.metadata!;
        out(JSON.stringify({ uuid: uuidText(m.uuid), key: m.key, status: m.status, authorizeURL: res.authorizeURL }, null, 2));
        return;
      }
      case 'list': {
        for (const k of (await client.ListAPIKeys({}, asUser())).keys) out(describe(k));
        return;
      }
      case 'delete': {
        if (!values.uuid) throw new Error(`--uuid is required\n${USAGE}`);
        await client.DeleteAPIKey({ uuid: uuidBytes(values.uuid) }, asUser());
        out('deleted');
        return;
      }
      case 'exchange': {
        // Needs no sign-in: the key is the credential. Prefer the environment: argv is visible to other users.
        const apiKey = values.key ?? env.GATEHOUSE_API_KEY;
        if (!apiKey) throw new Error(`set GATEHOUSE_API_KEY (or pass --key)\n${USAGE}`);
        out((await client.ExchangeKeyForToken({ apiKey })).accessToken);
        return;
      }
      default:
        throw new Error(USAGE);
    }
  } finally {
    client.close();
  }
}
