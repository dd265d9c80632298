import { createHash } from 'node:crypto';
import {
  createLogger,
  createTokenClient,
  NatsBus,
  RedisStore,
  StaticKeySource,
  signIdentity,
  type Identity,
  type EventBus,
  type TokenClient,
} from '@gatehouse/shared';
import { FakeClock, MemoryUserDirectory, startNats, startRedis, testKeyPair, type SpawnedServer } from '@gatehouse/shared/testing';
import { createApp, loadConfig, type Config } from '../src/index.js';

export const hex256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface Backends {
  redis: SpawnedServer;
  nats: SpawnedServer;
  stop(): Promise<void>;
}

export async function startBackends(): Promise<Backends> {
  const [redis, nats] = await Promise.all([startRedis(), startNats()]);
  return { redis, nats, stop: async () => void (await Promise.all([redis.stop(), nats.stop()])) };
}

export interface Running {
  config: Config;
  clock: FakeClock;
  users: MemoryUserDirectory;
  store: RedisStore;
  bus: NatsBus;
  /** A second NATS connection: what other services see. */
  observer: EventBus;
  events: Array<{ subject: string; payload: Record<string, unknown> }>;
  grpc: TokenClient;
  http: string;
  ports: { http?: number; grpc?: number; debug: number };
  /** The proxy's identity key this instance trusts (X-Gatehouse-Identity). */
  proxyKey: ProxyKey;
  /** An `X-Gatehouse-Identity` header value for `identity`, signed with `key` (default: the trusted proxy key). */
  identityHeader(identity: Identity, key?: ProxyKey): Promise<string>;
  stop(): Promise<void>;
}

export type ProxyKey = Awaited<ReturnType<typeof testKeyPair>>;

export const SECRET = 'test-secret-0123456789abcdef0123456789abcdef';

export async function startAuthBearer(
  b: Backends,
  env: Record<string, string> = {},
  opts: { clock?: FakeClock; users?: MemoryUserDirectory } = {},
): Promise<Running> {
  const config = loadConfig({
    GATEHOUSE_SECRET: SECRET,
    PUBLIC_URL: 'https://auth.example.test',
    REDIS_URL: b.redis.url,
    NATS_URL: b.nats.url,
    AUTH_BEARER_HTTP_ADDR: '127.0.0.1:0',
    AUTH_BEARER_GRPC_ADDR: '127.0.0.1:0',
    AUTH_BEARER_DEBUG_ADDR: '127.0.0.1:0',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const clock = opts.clock ?? new FakeClock(Date.now());
  const users = opts.users ?? new MemoryUserDirectory();
  const logger = createLogger({ service: 'auth-bearer-test', level: 'silent' });
  const store = new RedisStore({ url: b.redis.url });
  await store.ready();
  const bus = await NatsBus.connect({ url: b.nats.url });
  const observer = await NatsBus.connect({ url: b.nats.url });
  const events: Running['events'] = [];
  observer.subscribe('gatehouse.>', (payload, subject) => {
    events.push({ subject, payload });
  });
  await observer.flush();
  const proxyKey = await testKeyPair('ES256');
  const app = createApp(config, {
    store,
    bus,
    logger,
    clock,
    userDirectory: users,
    identityKeys: new StaticKeySource({ keys: [proxyKey.publicJwk] }),
  });
  const ports = await app.start();
  const grpc = createTokenClient(`127.0.0.1:${ports.grpc}`);
  return {
    config,
    clock,
    users,
    store,
    bus,
    observer,
    events,
    grpc,
    http: `http://127.0.0.1:${ports.http}`,
    ports,
    proxyKey,
    identityHeader: (identity, key = proxyKey) => signIdentity(identity, key, 60, clock, 'auth-bearer'),
    stop: async () => {
      grpc.close();
      await app.stop();
      await Promise.all([store.close(), bus.close(), observer.close()]);
    },
  };
}

// The shared test helper, re-exported for the suites that import it from here.
export { eventually } from '@gatehouse/shared/testing';

export interface HttpResult {
  status: number;
  headers: Headers;
  body: Record<string, any> | undefined;
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}

export async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}

export const principal = (id: string, extra: Record<string, unknown> = {}) => ({
  user_id: id,
  email: `${id}@example.test`,
  name: id,
  roles: ['user'],
  groups: ['g1'],
  ...extra,
});
