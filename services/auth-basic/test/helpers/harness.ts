import { pino } from 'pino';
import { Metadata } from '@grpc/grpc-js';
import {
  MemoryBus,
  RedisStore,
  SUBJECTS,
  StaticKeySource,
  createGrpcClient,
  createUserClient,
  loadProtos,
  signIdentity,
  systemClock,
  type Clock,
  type KeyValueStore,
  type Logger,
  type UserClient,
} from '@gatehouse/shared';
import { testKeyPair } from '@gatehouse/shared/testing';
import { createApp, type AuthBasicApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Mailer } from '../../src/mail/mailer.js';
import { InProcessSessionIssuer } from './fake-issuer.js';

export const SECRET = 'test-secret-test-secret-test-secret-0123';
export const PUBLIC_URL = 'https://gatehouse.example';

type KeyPair = Awaited<ReturnType<typeof testKeyPair>>;

export interface Harness {
  app: AuthBasicApp;
  config: Config;
  base: string;
  grpcAddr: string;
  store: RedisStore;
  bus: MemoryBus;
  issuer: InProcessSessionIssuer;
  events: Array<Record<string, unknown>>;
  users: UserClient;
  login: ReturnType<typeof loginClient>;
  identityKey: KeyPair;
  accessKey: KeyPair;
  /** An X-Gatehouse-Identity value for `sub` with `roles`. */
  identity(sub: string, roles?: string[]): Promise<string>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  createUser(email: string, password: string, extra?: Record<string, unknown>): Promise<{ id: string }>;
  stop(): Promise<void>;
}

export function loginClient(addr: string) {
  type LoginApi = {
    Login(
      req: { email: string; password: string },
      o?: { metadata?: Metadata },
    ): Promise<{
      id_token: string;
      refresh_token: string;
      claims: { iss: string; sub: string; name: string; email: string; roles: string[]; groups: string[] };
      expires_by: { seconds: number; nanos: number };
    }>;
    RefreshToken(req: { refresh_token: string }): Promise<{ id_token: string; refresh_token: string; claims: { sub: string } }>;
    GetOIDCInfo(req: Record<string, never>): Promise<{ issuer: string; auth_url: string; client_id: string; redirect_url: string }>;
    Logout(req: Record<string, never>, o?: { metadata?: Metadata }): Promise<Record<string, never>>;
    close(): void;
  };
  return createGrpcClient(loadProtos().login.v1.LoginService, addr) as unknown as LoginApi;
}

export function bearer(token: string): Metadata {
  const md = new Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

export async function startHarness(
  redisUrl: string,
  env: Record<string, string> = {},
  opts: { clock?: Clock; mailer?: Mailer; limiterStore?: KeyValueStore; logger?: Logger; onPasswordCompare?: () => void } = {},
): Promise<Harness> {
  const clock = opts.clock ?? systemClock;
  const config = loadConfig({
    GATEHOUSE_SECRET: SECRET,
    PUBLIC_URL,
    AUTH_BASIC_HTTP_ADDR: '127.0.0.1:0',
    AUTH_BASIC_GRPC_ADDR: '127.0.0.1:0',
    AUTH_BASIC_DEBUG_ADDR: '127.0.0.1:0',
    BCRYPT_COST: '4',
    AUTH_BASIC_HASH_WORKERS: '2',
    LOGIN_STALL_TIME: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const store = new RedisStore({ url: redisUrl, keyPrefix: `t${Math.random().toString(36).slice(2, 8)}:` });
  await store.ready();
  const bus = new MemoryBus();
  const events: Array<Record<string, unknown>> = [];
  bus.subscribe(SUBJECTS.userChanged, (p) => void events.push(p));
  const identityKey = await testKeyPair('ES256');
  const accessKey = await testKeyPair('ES256');
  const issuer = new InProcessSessionIssuer(accessKey, { issuer: PUBLIC_URL, audience: config.ACCESS_TOKEN_AUDIENCE, clock });
  const app = createApp(config, {
    store,
    bus,
    clock,
    logger: opts.logger ?? pino({ level: 'silent' }),
    sessionIssuer: issuer,
    identityKeys: new StaticKeySource({ keys: [identityKey.publicJwk] }),
    accessTokenKeys: new StaticKeySource({ keys: [accessKey.publicJwk] }),
    ...(opts.mailer ? { mailer: opts.mailer } : {}),
    ...(opts.limiterStore ? { limiterStore: opts.limiterStore } : {}),
    ...(opts.onPasswordCompare ? { onPasswordCompare: opts.onPasswordCompare } : {}),
  });
  const ports = await app.start();
  const base = `http://127.0.0.1:${ports.http}`;
  const grpcAddr = `127.0.0.1:${ports.grpc}`;
  const users = createUserClient(grpcAddr);
  const login = loginClient(grpcAddr);
  const h: Harness = {
    app,
    config,
    base,
    grpcAddr,
    store,
    bus,
    issuer,
    events,
    users,
    login,
    identityKey,
    accessKey,
    identity: (sub, roles = []) =>
      signIdentity({ sub, roles, groups: [], scopes: [], amr: ['pwd'], auth_method: 'bearer' }, identityKey, 60, clock, 'auth-basic'),
    post: (path, body, headers = {}) =>
      fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }),
    async createUser(email, password, extra = {}) {
      const u = await users.CreateUser({ email, password, name: email.split('@')[0], roles: [], groups: [], provider: '', ...extra });
      return { id: u.id };
    },
    async stop() {
      users.close();
      login.close();
      await app.stop();
      await bus.close();
      await store.close();
    },
  };
  return h;
}

// The shared test helpers, re-exported for the suites that import them from here.
export { codeOf, errorCode } from '@gatehouse/shared/testing';
