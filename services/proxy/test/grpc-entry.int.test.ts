import * as grpc from '@grpc/grpc-js';
import { createIdentityVerifier, loadProtos, RemoteKeySource } from '@gatehouse/shared';
import {
  mintToken,
  startAuthBackends,
  startJwks,
  startProxy,
  startUpstream,
  type AuthBackends,
  type ProxyUnderTest,
  type Upstream,
} from './harness.js';

type Jwks = Awaited<ReturnType<typeof startJwks>>;
type Callback = (err: grpc.ServiceError | null, res: Record<string, unknown>) => void;
type Unary = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: Callback) => void;

describe('proxy gRPC entry (PROXY_GRPC_ADDR)', () => {
  let jwks: Jwks;
  let upstream: Upstream;
  let backends: AuthBackends;
  let proxy: ProxyUnderTest;
  let login: grpc.Client & Record<string, Unary>;

  beforeAll(async () => {
    jwks = await startJwks();
    upstream = await startUpstream();
    backends = await startAuthBackends();
    proxy = await startProxy({ jwksUrl: jwks.url, upstream: upstream.url, backends });
    const Ctor = loadProtos().login.v1.LoginService as unknown as new (
      a: string,
      c: grpc.ChannelCredentials,
      o: object,
    ) => grpc.Client & Record<string, Unary>;
    login = new Ctor(`127.0.0.1:${proxy.grpc}`, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': 16 * 1024 * 1024,
      'grpc.max_send_message_length': 16 * 1024 * 1024,
    });
  });
  afterAll(async () => {
    login.close();
    await proxy.stop();
    await backends.stop();
    await upstream.close();
    await jwks.close();
  });

  const call = (
    method: string,
    req: unknown,
    md = new grpc.Metadata(),
    deadlineMs = 3000,
  ): Promise<{ err: grpc.ServiceError | null; res: Record<string, unknown> }> =>
    new Promise((resolve) => login[method]!(req, md, { deadline: Date.now() + deadlineMs }, (err, res) => resolve({ err, res })));

  it('forwards a public Login call without credentials', async () => {
    const { err, res } = await call('Login', { email: 'ada@example.com', password: 'pw' });
    expect(err).toBeNull();
    expect(res.id_token).toBe('id-for-15');
  });

  it('passes the owner error status through (bad password → UNAUTHENTICATED with the error code)', async () => {
    const { err } = await call('Login', { email: 'ada@example.com', password: 'nope' });
    expect(err?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(err?.metadata.get('gatehouse-error-code')[0]).toBe('INVALID_CREDENTIALS');
  });

  it('refuses an authenticated method without a credential with UNAUTHENTICATED, never calling the owner', async () => {
    const before = backends.calls.logout ?? 0;
    const { err } = await call('Logout', {});
    expect(err?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(err?.metadata.get('gatehouse-error-code')[0]).toBe('UNAUTHENTICATED');
    const md = new grpc.Metadata();
    md.set('authorization', 'Bearer not.a.token');
    expect((await call('Logout', {}, md)).err?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(backends.calls.logout ?? 0).toBe(before);
  });

  it('forwards an authenticated call with the signed identity and strips client identity metadata', async () => {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${await mintToken(jwks.key, { sub: 'grpc-user', sid: 'sid-g' })}`);
    md.set('x-gatehouse-identity', 'forged');
    md.set('x-user-id', 'root');
    const { err } = await call('Logout', {}, md);
    expect(err).toBeNull();
    const seen = backends.seenMetadata.at(-1)!;
    expect(seen['x-user-id']).toBe('grpc-user');
    // LoginService's owner is auth-basic: the identity is signed for it alone.
    const verify = createIdentityVerifier({
      keys: new RemoteKeySource({ url: `${proxy.url}/.well-known/gatehouse/jwks.json` }),
      audience: 'auth-basic',
    });
    expect(await verify(String(seen['x-gatehouse-identity']))).toMatchObject({ sub: 'grpc-user', sid: 'sid-g', auth_method: 'bearer' });
    // LoginService.Logout needs the caller's token: its owner gets the authorization metadata.
    expect(String(seen.authorization)).toMatch(/^Bearer /);
  });

  it('strips client identity metadata on public calls too', async () => {
    const md = new grpc.Metadata();
    md.set('x-gatehouse-identity', 'forged');
    md.set('x_user_id', 'root');
    await call('Login', { email: 'ada@example.com', password: 'pw' }, md);
    const seen = backends.seenMetadata.at(-1)!;
    expect(seen['x-gatehouse-identity']).toBeUndefined();
    expect(seen.x_user_id).toBeUndefined();
  });

  it('keeps the caller deadline: a slow owner ends in DEADLINE_EXCEEDED on time', async () => {
    const started = Date.now();
    const { err } = await call('Login', { email: 'slow@example.com', password: 'pw' }, new grpc.Metadata(), 300);
    expect(err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('carries a 5 MB message both ways', async () => {
    const email = 'a'.repeat(5 * 1024 * 1024);
    const { err, res } = await call('Login', { email, password: 'pw' }, new grpc.Metadata(), 10_000);
    expect(err).toBeNull();
    expect((res.refresh_token as string).length).toBe(email.length);
  });

  it('answers UNIMPLEMENTED for a service it does not route', async () => {
    const Ctor = loadProtos().gatehouse.v1.UserService as unknown as new (
      a: string,
      c: grpc.ChannelCredentials,
    ) => grpc.Client & Record<string, Unary>;
    const users = new Ctor(`127.0.0.1:${proxy.grpc}`, grpc.credentials.createInsecure());
    try {
      const err = await new Promise<grpc.ServiceError | null>((resolve) =>
        users.GetUser!({ id: 'x' }, new grpc.Metadata(), { deadline: Date.now() + 2000 }, (e) => resolve(e)),
      );
      expect(err?.code).toBe(grpc.status.UNIMPLEMENTED);
    } finally {
      users.close();
    }
  });

  it('answers UNAVAILABLE when the owner is down (fail closed, no hang)', async () => {
    const p = await startProxy({ jwksUrl: jwks.url, upstream: upstream.url });
    const Ctor = loadProtos().login.v1.LoginService as unknown as new (
      a: string,
      c: grpc.ChannelCredentials,
    ) => grpc.Client & Record<string, Unary>;
    const c = new Ctor(`127.0.0.1:${p.grpc}`, grpc.credentials.createInsecure());
    try {
      const err = await new Promise<grpc.ServiceError | null>((resolve) =>
        c.Login!({ email: 'a', password: 'pw' }, new grpc.Metadata(), { deadline: Date.now() + 2000 }, (e) => resolve(e)),
      );
      expect(err?.code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      c.close();
      await p.stop();
    }
  });
});
