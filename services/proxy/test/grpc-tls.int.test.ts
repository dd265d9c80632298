import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { createIdentityVerifier, loadProtos, RemoteKeySource } from '@gatehouse/shared';
import { createTestPki, type TestPki } from '@gatehouse/shared/testing';
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
type LoginClient = grpc.Client &
  Record<'Login' | 'Logout', (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: Callback) => void>;

const LoginCtor = () =>
  loadProtos().login.v1.LoginService as unknown as new (address: string, creds: grpc.ChannelCredentials) => LoginClient;

/** One call on a fresh channel (closed afterwards), so each credential variant gets its own handshake. */
async function callLogin(
  address: string,
  creds: grpc.ChannelCredentials,
  method: 'Login' | 'Logout',
  req: unknown,
  md = new grpc.Metadata(),
): Promise<{ err: grpc.ServiceError | null; res: Record<string, unknown> }> {
  const client = new (LoginCtor())(address, creds);
  try {
    return await new Promise((resolve) => client[method](req, md, { deadline: Date.now() + 3000 }, (err, res) => resolve({ err, res })));
  } finally {
    client.close();
  }
}

interface TlsRig {
  pki: TestPki;
  jwks: Jwks;
  backends: AuthBackends;
  proxy: ProxyUnderTest;
  ca: Buffer;
  stop(): Promise<void>;
}

/** A proxy whose gRPC entry and owning services speak TLS with certificates made now. */
async function startTlsRig(extraEnv: Record<string, string>): Promise<TlsRig> {
  const pki = createTestPki();
  const jwks: Jwks = await startJwks();
  const upstream: Upstream = await startUpstream();
  // The owner speaks TLS too: the proxy reaches it with the same GATEHOUSE_GRPC_TLS_* settings.
  const backends = await startAuthBackends({ tls: { enabled: true, certFile: pki.serverCert, keyFile: pki.serverKey } });
  const proxy = await startProxy({
    jwksUrl: jwks.url,
    upstream: upstream.url,
    backends,
    env: {
      GATEHOUSE_GRPC_TLS_ENABLED: 'true',
      GATEHOUSE_GRPC_TLS_CERT: pki.serverCert,
      GATEHOUSE_GRPC_TLS_KEY: pki.serverKey,
      GATEHOUSE_GRPC_TLS_CA: pki.caCert,
      ...extraEnv,
    },
  });
  return {
    pki,
    jwks,
    backends,
    proxy,
    ca: readFileSync(pki.caCert),
    stop: async () => {
      await proxy.stop();
      await backends.stop();
      await upstream.close();
      await jwks.close();
      pki.cleanup();
    },
  };
}

describe('proxy gRPC entry over TLS (GATEHOUSE_GRPC_TLS_*)', () => {
  let pki: TestPki;
  let backends: AuthBackends;
  let proxy: ProxyUnderTest;
  let ca: Buffer;
  let rig: TlsRig;

  beforeAll(async () => {
    rig = await startTlsRig({});
    ({ pki, backends, proxy, ca } = rig);
  });
  afterAll(() => rig.stop());

  it('forwards a public Login call from a TLS client that trusts the CA', async () => {
    const { err, res } = await callLogin(`localhost:${proxy.grpc}`, grpc.credentials.createSsl(ca), 'Login', {
      email: 'ada@example.com',
      password: 'pw',
    });
    expect(err).toBeNull();
    expect(res.id_token).toBe('id-for-15');
  });

  it('forwards an authenticated call over TLS with the signed identity', async () => {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${await mintToken(rig.jwks.key, { sub: 'tls-user' })}`);
    const { err } = await callLogin(`127.0.0.1:${proxy.grpc}`, grpc.credentials.createSsl(ca), 'Logout', {}, md);
    expect(err).toBeNull();
    const seen = backends.seenMetadata.at(-1)!;
    const verify = createIdentityVerifier({
      keys: new RemoteKeySource({ url: `${proxy.url}/.well-known/gatehouse/jwks.json` }),
      audience: 'auth-basic',
    });
    expect(await verify(String(seen['x-gatehouse-identity']))).toMatchObject({ sub: 'tls-user' });
  });

  it('refuses a plaintext client and never calls the owner', async () => {
    const before = backends.calls.login ?? 0;
    const { err } = await callLogin(`127.0.0.1:${proxy.grpc}`, grpc.credentials.createInsecure(), 'Login', {
      email: 'ada@example.com',
      password: 'pw',
    });
    expect(err?.code).toBe(grpc.status.UNAVAILABLE);
    expect(backends.calls.login ?? 0).toBe(before);
  });

  it('is refused by a client that does not trust the issuing CA (no silent downgrade)', async () => {
    const { err } = await callLogin(`localhost:${proxy.grpc}`, grpc.credentials.createSsl(readFileSync(pki.rogueCaCert)), 'Login', {
      email: 'ada@example.com',
      password: 'pw',
    });
    expect(err?.code).toBe(grpc.status.UNAVAILABLE);
  });
});

describe('proxy gRPC entry with mTLS (PROXY_GRPC_TLS_CLIENT_AUTH)', () => {
  let pki: TestPki;
  let proxy: ProxyUnderTest;
  let ca: Buffer;
  let rig: TlsRig;

  beforeAll(async () => {
    rig = await startTlsRig({ PROXY_GRPC_TLS_CLIENT_AUTH: 'true' });
    ({ pki, proxy, ca } = rig);
  });
  afterAll(() => rig.stop());

  const login = { email: 'ada@example.com', password: 'pw' };

  it('forwards a call from a client whose certificate the CA signed', async () => {
    const creds = grpc.credentials.createSsl(ca, readFileSync(pki.clientKey), readFileSync(pki.clientCert));
    const { err, res } = await callLogin(`localhost:${proxy.grpc}`, creds, 'Login', login);
    expect(err).toBeNull();
    expect(res.id_token).toBe('id-for-15');
  });

  it('refuses a TLS client without a certificate', async () => {
    const { err } = await callLogin(`localhost:${proxy.grpc}`, grpc.credentials.createSsl(ca), 'Login', login);
    expect(err?.code).toBe(grpc.status.UNAVAILABLE);
  });

  it('refuses a client certificate signed by another CA', async () => {
    const creds = grpc.credentials.createSsl(ca, readFileSync(pki.rogueClientKey), readFileSync(pki.rogueClientCert));
    const { err } = await callLogin(`localhost:${proxy.grpc}`, creds, 'Login', login);
    expect(err?.code).toBe(grpc.status.UNAVAILABLE);
  });
});
