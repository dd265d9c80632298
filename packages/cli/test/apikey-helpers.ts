import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { PROTO_DIR } from '@gatehouse/shared';
import { json } from './helpers.js';

// The seed's apikeys.ApiKeyService as a client outside Gatehouse sees it, for the end-to-end tests.

export interface SeedKey {
  metadata: { uuid: Buffer; key: string; status: string; error: string; scopes: string[]; lastUsed: unknown };
  properties: { name: string };
}
/** The seed's RPCs: request and response as proto-loader hands them out (keepCase). */
export interface Rpcs {
  CreateAPIKey: [{ name: string; scopes: string[]; finalFrontendRedirect: string }, { key: SeedKey; authorizeURL: string }];
  RefreshAPIKey: [{ uuid: Buffer; finalFrontendRedirect: string }, { response: { key: SeedKey; authorizeURL: string } }];
  GetAPIKey: [{ uuid: Buffer }, { key: SeedKey }];
  UpdateAPIKey: [{ uuid: Buffer; properties: { name: string } }, { key: SeedKey }];
  ListAPIKeys: [Record<string, never>, { keys: SeedKey[] }];
  DeleteAPIKey: [{ uuid: Buffer }, Record<string, never>];
  ExchangeKeyForToken: [{ apiKey: string }, { accessToken: string }];
}
type Unary = (req: unknown, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;
export type SeedClient = grpc.Client & { [M in keyof Rpcs]: Unary };
export type Result<T> = { ok: T } | { code: number; gatehouse: string };

/** A grpc-js client built from the seed's proto (proto/apikeys/apikeys.proto), as any Overmind client would. */
export function seedClient(addr: string): SeedClient {
  const def = loadSync('apikeys/apikeys.proto', { includeDirs: [PROTO_DIR], keepCase: true, longs: Number, enums: String, defaults: true });
  const Ctor = (
    grpc.loadPackageDefinition(def) as unknown as { apikeys: { ApiKeyService: new (a: string, c: grpc.ChannelCredentials) => SeedClient } }
  ).apikeys.ApiKeyService;
  return new Ctor(addr, grpc.credentials.createInsecure());
}

/** Calls one RPC (with `authorization: Bearer <token>` when given); resolves the answer or the gRPC status and Gatehouse code. */
export function call<M extends keyof Rpcs>(c: SeedClient, method: M, req: Rpcs[M][0], token?: string): Promise<Result<Rpcs[M][1]>> {
  const md = new grpc.Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
  return new Promise((resolve) =>
    c[method].call(c, req, md, (err, res) =>
      resolve(err ? { code: err.code, gatehouse: String(err.metadata.get('gatehouse-error-code')[0] ?? '') } : { ok: res as Rpcs[M][1] }),
    ),
  );
}
export const ok = <T>(r: Result<T>): T => {
  if (!('ok' in r)) throw new Error(`expected success, got ${grpc.status[r.code]} ${r.gatehouse}`);
  return r.ok;
};
export const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, any>;
export const uuidText = (b: Buffer) => b.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

/** Signs in at the proxy with e-mail and password (POST /auth/login): the access token and the user's id. */
export async function passwordLogin(base: string, email: string, password: string): Promise<{ token: string; id: string }> {
  const res = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body = await json(res);
  if (res.status !== 200) throw new Error(`login ${res.status}: ${JSON.stringify(body)}`);
  const token = body.data.access_token as string;
  return { token, id: claimsOf(token).sub as string };
}

/** GET /whoami through the proxy with a Bearer token. */
export const whoamiWith = (base: string, token: string): Promise<Response> =>
  fetch(`${base}/whoami`, { headers: { authorization: `Bearer ${token}` } });
