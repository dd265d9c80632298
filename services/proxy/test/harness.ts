import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { SignJWT, type JWK } from 'jose';
import { WebSocketServer, type RawData } from 'ws';
import {
  createLogger,
  GatehouseError,
  GrpcServer,
  loadProtos,
  MemoryBus,
  MemoryStore,
  systemClock,
  type AppTokenServiceHandlers,
  type EventBus,
  type GrpcTlsConfig,
  type KeyValueStore,
  type Logger,
  type LoginServiceHandlers,
  type TokenServiceHandlers,
  type UserServiceHandlers,
} from '@gatehouse/shared';
import { testKeyPair } from '@gatehouse/shared/testing';
import { createApp, loadConfig, parseRoutes, type Config, type Route } from '../src/index.js';

export const ISSUER = 'https://gatehouse.test';
export const SECRET = 'x'.repeat(40);
export const quietLogger: Logger = createLogger({ service: 'proxy-test', level: 'silent' });

export type KeyPair = Awaited<ReturnType<typeof testKeyPair>>;

/** A real JWKS endpoint serving the issuer's public keys; keys can be added (rotation). */
export async function startJwks(): Promise<{ url: string; key: KeyPair; keys: JWK[]; fetches: number; close(): Promise<void> }> {
  const key = await testKeyPair('ES256');
  const state = { url: '', key, keys: [key.publicJwk] as JWK[], fetches: 0, close: async () => undefined as void };
  const server = createServer((_req, res) => {
    state.fetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: state.keys }));
  });
  const port = await listen(server);
  state.url = `http://127.0.0.1:${port}/.well-known/jwks.json`;
  state.close = () => close(server);
  return state;
}

export interface TokenOptions {
  sub?: string;
  scope?: string;
  roles?: string[];
  sid?: string;
  jti?: string;
  email?: string;
  expSec?: number;
  iatSec?: number;
  aud?: string;
  iss?: string;
  typ?: string;
  /** Further claims (api_key_id, api_key_gen, …). */
  claims?: Record<string, unknown>;
}

/** A real ES256 at+jwt, as auth-bearer issues them. */
export function mintToken(k: KeyPair, o: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    client_id: 'gatehouse',
    scope: o.scope ?? 'openid',
    roles: o.roles ?? ['user'],
    email: o.email ?? 'ada@example.com',
    name: 'Ada',
    amr: ['pwd'],
    ...(o.sid ? { sid: o.sid } : {}),
    ...(o.claims ?? {}),
  })
    .setProtectedHeader({ alg: 'ES256', kid: k.kid, typ: o.typ ?? 'at+jwt' })
    .setIssuer(o.iss ?? ISSUER)
    .setAudience(o.aud ?? 'gatehouse')
    .setSubject(o.sub ?? 'user-1')
    .setJti(o.jti ?? `jti-${Math.random().toString(36).slice(2)}`)
    .setIssuedAt(o.iatSec ?? now)
    .setExpirationTime(o.expSec ?? now + 300)
    .sign(k.privateKey);
}

/** A WebSocket message as text (ws hands out a Buffer, fragments as Buffer[], or an ArrayBuffer). */
export function wsText(m: RawData): string {
  if (Buffer.isBuffer(m)) return m.toString('utf8');
  return (Array.isArray(m) ? Buffer.concat(m) : Buffer.from(m)).toString('utf8');
}

export function listen(server: Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as { port: number }).port)));
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export interface Upstream {
  url: string;
  port: number;
  /** Last request seen by the echo handler. */
  last: { method: string; url: string; headers: IncomingMessage['headers']; rawHeaders: string[] } | undefined;
  uploads: number[];
  close(): Promise<void>;
}

/**
 * A real upstream: /echo (request as JSON), /sse (server-sent events), /upload (counts bytes),
 * /slow (answers after 2 s), /limited (429), /ws (WebSocket echo).
 */
export async function startUpstream(): Promise<Upstream> {
  const up: Upstream = { url: '', port: 0, last: undefined, uploads: [], close: async () => undefined };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0]!;
    if (path.endsWith('/sse')) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let n = 0;
      const t = setInterval(() => {
        res.write(`id: ${n}\ndata: tick ${n}\n\n`);
        if (++n === 3) {
          clearInterval(t);
          res.end();
        }
      }, 100);
      res.on('close', () => clearInterval(t));
      return;
    }
    if (path.endsWith('/upload')) {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => {
        up.uploads.push(bytes);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ bytes }));
      });
      return;
    }
    if (path.endsWith('/slow')) {
      const t = setTimeout(() => res.end('late'), 2000);
      res.on('close', () => clearTimeout(t));
      return;
    }
    if (path.endsWith('/limited')) {
      res.writeHead(429, { 'retry-after': '7', 'content-type': 'application/json' });
      res.end('{"errors":[]}');
      return;
    }
    req.resume();
    req.on('end', () => {
      up.last = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders };
      res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive', 'keep-alive': 'timeout=5', 'x-upstream': 'yes' });
      res.end(JSON.stringify(up.last));
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    up.last = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders };
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m) => ws.send(`echo:${wsText(m)}`)));
  });
  up.port = await listen(server);
  up.url = `http://127.0.0.1:${up.port}`;
  up.close = async () => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    await close(server);
  };
  return up;
}

export interface AuthBackends {
  endpoint: string;
  calls: Record<string, number>;
  /** Identity metadata seen by LoginService.Logout / Login. */
  seenMetadata: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

const principal = (user: string, extra: Record<string, unknown> = {}) => ({
  user_id: user,
  email: `${user}@example.com`,
  name: user,
  roles: ['user'],
  groups: [],
  amr: [],
  scopes: ['openid'],
  sid: '',
  client_id: '',
  actor: '',
  token_id: '',
  expires_at_ms: 0,
  auth_method: '',
  ...extra,
});

/**
 * Real grpc-js servers with test implementations of the services the proxy calls
 * (AppTokenService, UserService, TokenService) and the one it fronts (LoginService).
 */
export async function startAuthBackends(opts: { tls?: GrpcTlsConfig } = {}): Promise<AuthBackends> {
  const p = loadProtos();
  const state: AuthBackends = { endpoint: '', calls: {}, seenMetadata: [], stop: async () => undefined };
  const count = (n: string) => (state.calls[n] = (state.calls[n] ?? 0) + 1);
  const server = new GrpcServer({ logger: quietLogger, maxReceiveMessageBytes: 16 * 1024 * 1024, ...(opts.tls ? { tls: opts.tls } : {}) });
  server.add<Pick<AppTokenServiceHandlers, 'Authenticate'>>(p.gatehouse.v1.AppTokenService.service, {
    Authenticate: async (req) => {
      count('app');
      if (req.token === 'ghapp_0123456789abcdef_goodgoodgoodgoodgoodgood' && req.username === 'ada')
        return principal('user-app', { amr: ['app'], token_id: '0123456789abcdef', auth_method: 'app' });
      throw new GatehouseError('INVALID_CREDENTIALS');
    },
  });
  server.add<Pick<UserServiceHandlers, 'Authenticate'>>(p.gatehouse.v1.UserService.service, {
    Authenticate: async (req) => {
      count('basic');
      if (req.email === 'ada@example.com' && req.password === 'correct horse')
        return principal('user-basic', { amr: ['pwd'], auth_method: 'basic' });
      throw new GatehouseError('INVALID_CREDENTIALS');
    },
  });
  server.add<Pick<TokenServiceHandlers, 'GetSession'>>(p.gatehouse.v1.TokenService.service, {
    GetSession: async (req) => {
      count('session');
      if (req.refresh_token === 'good-session-token')
        return {
          id: 'sess-1',
          user_id: 'user-sess',
          client_id: 'gatehouse',
          amr: ['pwd'],
          created_at_ms: 0,
          last_used_at_ms: 0,
          expires_at_ms: Date.now() + 3_600_000,
          idle_expires_at_ms: 0,
          ip: '',
          user_agent: '',
          principal: principal('user-sess', { sid: 'sess-1' }),
        };
      throw new GatehouseError('NOT_FOUND');
    },
  });
  server.add<Pick<LoginServiceHandlers, 'Login' | 'Logout'>>(p.login.v1.LoginService.service, {
    Login: async (req, ctx) => {
      count('login');
      state.seenMetadata.push(ctx.metadata.getMap());
      if (req.email === 'slow@example.com') {
        await new Promise((resolve) => {
          const t = setTimeout(resolve, 3000);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(t);
            resolve(undefined);
          });
        });
      }
      if (req.password !== 'pw') throw new GatehouseError('INVALID_CREDENTIALS');
      return {
        id_token: `id-for-${req.email.length}`,
        refresh_token: 'r'.repeat(req.email.length),
        claims: { iss: ISSUER, sub: 'u', name: '', email: req.email.slice(0, 64), roles: [], groups: [] },
        expires_by: { seconds: 1, nanos: 0 },
      };
    },
    Logout: async (_req, ctx) => {
      count('logout');
      state.seenMetadata.push(ctx.metadata.getMap());
      return {};
    },
  });
  const port = await server.listen('127.0.0.1:0');
  state.endpoint = `127.0.0.1:${port}`;
  state.stop = () => server.stop(100);
  return state;
}

export interface ProxyUnderTest {
  url: string;
  http: number;
  grpc: number;
  debug: number;
  config: Config;
  stop(): Promise<void>;
}

export function routesFor(upstream: string): string {
  return `
routes:
  - { prefix: /public, upstream: "${upstream}", public: true }
  - { prefix: /api, upstream: "${upstream}", websocket: true }
  - { prefix: /admin, upstream: "${upstream}", roles: [admin] }
  - { prefix: /reports, upstream: "${upstream}", scopes: [reports:read] }
  - { prefix: /passthrough, upstream: "${upstream}", passAuthorization: true }
  - { prefix: /fast, upstream: "${upstream}", timeout: 300ms }
  - { prefix: /dead, upstream: "http://127.0.0.1:1" }
  - { path: /readonly, upstream: "${upstream}", public: true, methods: [GET] }
`;
}

/** The proxy app on port 0 with test wiring (memory store/bus unless given). */
export async function startProxy(opts: {
  jwksUrl: string;
  upstream: string;
  backends?: AuthBackends;
  env?: Record<string, string>;
  store?: KeyValueStore;
  bus?: EventBus;
  logger?: Logger;
  routes?: Route[];
}): Promise<ProxyUnderTest> {
  const endpoint = opts.backends?.endpoint ?? '127.0.0.1:1';
  const config = loadConfig({
    GATEHOUSE_SECRET: SECRET,
    PUBLIC_URL: ISSUER,
    PROXY_HTTP_ADDR: '127.0.0.1:0',
    PROXY_GRPC_ADDR: '127.0.0.1:0',
    PROXY_DEBUG_ADDR: '127.0.0.1:0',
    PROXY_ACCESS_TOKEN_JWKS_URL: opts.jwksUrl,
    AUTH_BASIC_GRPC_ENDPOINT: endpoint,
    AUTH_BEARER_GRPC_ENDPOINT: endpoint,
    AUTH_APP_GRPC_ENDPOINT: endpoint,
    GATEHOUSE_GRPC_DEADLINE: '500ms',
    PROXY_LOGIN_URL: 'https://gatehouse.test/admin/login',
    // Without auth backends there is no auth-bearer to check session cookies with (nor to be ready for).
    ...(opts.backends ? {} : { PROXY_ENABLE_SESSION_AUTH: 'false' }),
    ...opts.env,
  });
  const store = opts.store ?? new MemoryStore(systemClock);
  const bus = opts.bus ?? new MemoryBus();
  const app = createApp(config, {
    store,
    bus,
    logger: opts.logger ?? quietLogger,
    clock: systemClock,
    routes: opts.routes ?? parseRoutes(routesFor(opts.upstream), {}),
  });
  const ports = await app.start();
  return {
    url: `http://127.0.0.1:${ports.http}`,
    http: ports.http!,
    grpc: ports.grpc!,
    debug: ports.debug,
    config,
    stop: () => app.stop(),
  };
}

/** Sends raw bytes and returns the raw answer (until the server closes or `waitMs` passes). */
export function rawRequest(port: number, data: string | Buffer, waitMs = 1500): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    const t = setTimeout(() => {
      s.destroy();
      resolve(out);
    }, waitMs);
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(t);
      resolve(out);
    });
    s.write(data);
  });
}

export const statusOf = (raw: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
