import { parseArgs } from 'node:util';
import { Metadata, status } from '@grpc/grpc-js';
import { createApiKeyClient, isGatehouseError, type APIKey__Output, type ApiKeyClient } from '@gatehouse/shared';
import { clientOptions, endpoint } from './grpc-target.js';
import { userToken, type UserToken } from './token-source.js';

const USAGE = `usage:
  gatehouse apikeys create --name=N [--scope=S]... [--redirect=/path]   a key and the URL that authorizes it
  gatehouse apikeys list
  gatehouse apikeys delete --uuid=<uuid>
  gatehouse apikeys exchange                      the key from GATEHOUSE_API_KEY (or --key), prints an access token
The user: --token, else GATEHOUSE_TOKEN, else your \`gatehouse login\` (refreshed when about to expire).
The proxy's gRPC entry: PROXY_GRPC_ENDPOINT (default 127.0.0.1:9201); with your login, the one it signed in through.`;

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

const PROXY_DEFAULT = '127.0.0.1:9201';

/**
 * The client for calls as the user. A stored login's token goes only to the gRPC entry it was
 * issued through: a different PROXY_GRPC_ENDPOINT is refused rather than handed the token.
 */
function clientFor(user: UserToken, env: Record<string, string | undefined>): ApiKeyClient {
  const opts = clientOptions(env);
  if (!user.login) return createApiKeyClient(endpoint(env, 'PROXY', PROXY_DEFAULT), opts);
  const asked = env.PROXY_GRPC_ENDPOINT;
  if (asked && asked !== user.login.grpcServer)
    throw new Error(
      `you are signed in through ${user.login.grpcServer}, not ${asked}: run \`gatehouse login --grpc-server=${asked}\`, or pass --token`,
    );
  // An https proxy serves its gRPC entry over TLS too (system roots unless GATEHOUSE_GRPC_TLS_* say more), as `gatehouse login` called it.
  const tls = user.login.https && !opts.tls?.enabled ? { ...opts, tls: { enabled: true } } : opts;
  return createApiKeyClient(user.login.grpcServer, tls);
}

/** The proxy refused the token (expired or revoked since it was read): worth one refresh of a stored login. */
const refused = (err: unknown) => isGatehouseError(err) && err.grpcStatus === (status.UNAUTHENTICATED as number);

const withToken = (token: string) => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return { metadata };
};

/**
 * Runs `call` as the user (userToken: --token, GATEHOUSE_TOKEN or the stored login). When the proxy
 * refuses a stored login's token, it is refreshed once and the call tried again: a refused call did
 * nothing, so nothing is done twice.
 */
async function asUser<T>(
  flag: string | undefined,
  env: Record<string, string | undefined>,
  call: (c: ApiKeyClient, o: { metadata: Metadata }) => Promise<T>,
): Promise<T> {
  const user = await userToken(flag, env);
  const client = clientFor(user, env);
  try {
    try {
      return await call(client, withToken(user.token));
    } catch (err) {
      if (!user.renew || !refused(err)) throw err;
      return await call(client, withToken(await user.renew()));
    }
  } finally {
    client.close();
  }
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
  switch (sub) {
    case 'create': {
      if (!values.name) throw new Error(`--name is required\n${USAGE}`);
      const req = { name: values.name, scopes: values.scope ?? [], finalFrontendRedirect: values.redirect ?? '' };
      const res = await asUser(values.token, env, (c, o) => c.CreateAPIKey(req, o));
      const m = res.key!.metadata!;
      out(JSON.stringify({ uuid: uuidText(m.uuid), key: m.key, status: m.status, authorizeURL: res.authorizeURL }, null, 2));
      return;
    }
    case 'list': {
      for (const k of (await asUser(values.token, env, (c, o) => c.ListAPIKeys({}, o))).keys) out(describe(k));
      return;
    }
    case 'delete': {
      if (!values.uuid) throw new Error(`--uuid is required\n${USAGE}`);
      const uuid = uuidBytes(values.uuid);
      await asUser(values.token, env, (c, o) => c.DeleteAPIKey({ uuid }, o));
      out('deleted');
      return;
    }
    case 'exchange': {
      // Needs no sign-in: the key is the credential. Prefer the environment: argv is visible to other users.
      const apiKey = values.key ?? env.GATEHOUSE_API_KEY;
      if (!apiKey) throw new Error(`set GATEHOUSE_API_KEY (or pass --key)\n${USAGE}`);
      const client = createApiKeyClient(endpoint(env, 'PROXY', PROXY_DEFAULT), clientOptions(env));
      try {
        out((await client.ExchangeKeyForToken({ apiKey })).accessToken);
      } finally {
        client.close();
      }
      return;
    }
    default:
      throw new Error(USAGE);
  }
}
