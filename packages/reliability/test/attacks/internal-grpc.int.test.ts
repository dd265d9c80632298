import { spawn } from 'node:child_process';
import { createTokenClient, createUserClient, type GrpcTlsConfig } from '@gatehouse/shared';
import { createTestPki, freePort, startNats, startRedis, type SpawnedServer, type TestPki } from '@gatehouse/shared/testing';
import { login } from '../../src/client.js';
import { GATEHOUSE_MAIN, startProcessStack, type ProcessStack } from '../../src/process-stack.js';

// Issue 10 item 4: internal gRPC (OpenSession, CreateUser, Impersonate …) trusts its caller, so in
// the distributed form it answers only holders of a certificate the deployment's CA signed. Each
// service in its own process (`gatehouse <service> server`, as docker-compose.yml runs it) against a
// real Redis and NATS, mutual TLS configured as compose configures it (GATEHOUSE_GRPC_TLS_*).
// Attackers dial the internal ports directly: plaintext, TLS without a certificate, a certificate
// from another CA. The admin CLI runs as its own process, with and without its certificate.

/** `gatehouse <args>` as a process: exit code and output (bounded in time). */
function gatehouse(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [GATEHOUSE_MAIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out, err });
    });
  });
}

describe('internal gRPC in the distributed form (mTLS, issue 10 item 4)', () => {
  let redis: SpawnedServer;
  let nats: SpawnedServer;
  let pki: TestPki;
  let stack: ProcessStack;
  let mtlsEnv: Record<string, string>;
  const target = (name: 'auth-bearer' | 'auth-basic') => `localhost:${stack.get(name).ports.grpc}`;
  const email = 'internal-admin@example.com';
  const password = 'internal admin password 1';
  /** The admin CLI's own client certificate (signed by the deployment's CA), as an operator sets it. */
  const adminCli = () => ({
    GATEHOUSE_GRPC_TLS_ENABLED: 'true',
    GATEHOUSE_GRPC_TLS_CA: pki.caCert,
    GATEHOUSE_GRPC_TLS_CERT: pki.clientCert,
    GATEHOUSE_GRPC_TLS_KEY: pki.clientKey,
    AUTH_BASIC_GRPC_ENDPOINT: target('auth-basic'),
  });
  const openSession = {
    principal: { sub: 'u-attacker', email: 'x@example.com', roles: ['admin'], groups: [] },
    amr: ['pwd'],
    client_id: 'x',
  };
  const createUser = {
    email: 'planted@example.com',
    password: 'planted password 123',
    roles: ['admin'],
    groups: [],
    name: 'p',
    provider: 'local',
  };

  beforeAll(async () => {
    [redis, nats] = await Promise.all([startRedis(), startNats()]);
    pki = createTestPki();
    mtlsEnv = {
      GATEHOUSE_GRPC_TLS_ENABLED: 'true',
      GATEHOUSE_GRPC_TLS_CERT: pki.serviceCert,
      GATEHOUSE_GRPC_TLS_KEY: pki.serviceKey,
      GATEHOUSE_GRPC_TLS_CA: pki.caCert,
      GATEHOUSE_GRPC_TLS_CLIENT_AUTH: 'true',
    };
    stack = await startProcessStack({
      services: ['auth-bearer', 'auth-basic', 'proxy'],
      redisUrl: redis.url,
      natsUrl: nats.url,
      env: { ...mtlsEnv, BCRYPT_COST: '4', LOGIN_STALL_TIME: '10ms' },
      // The certificates name localhost: the services dial each other by that name.
      envFromPorts: (p) => ({
        AUTH_BEARER_GRPC_ENDPOINT: `localhost:${p['auth-bearer'].grpc}`,
        AUTH_BASIC_GRPC_ENDPOINT: `localhost:${p['auth-basic'].grpc}`,
      }),
    });
    await Promise.all([stack.get('auth-bearer').ready(), stack.get('auth-basic').ready(), stack.get('proxy').ready()]);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([redis?.stop(), nats?.stop()]);
    pki?.cleanup();
  });

  it('admin CLI against a remote mTLS deployment: works with its client certificate', async () => {
    const r = await gatehouse(['users', 'create', `--email=${email}`, `--password=${password}`, '--role=admin'], adminCli());
    expect([r.code, r.err]).toEqual([0, '']);
    expect(JSON.parse(r.out)).toMatchObject({ email, roles: ['admin'] });
    // The services call each other under mTLS too: a login through the proxy (auth-basic → auth-bearer OpenSession).
    expect((await login(stack.proxyUrl, email, password)).access_token).toEqual(expect.any(String));
  });

  it('admin CLI against a remote mTLS deployment: fails without its certificate (TLS only, or plaintext)', async () => {
    const { GATEHOUSE_GRPC_TLS_CERT: _c, GATEHOUSE_GRPC_TLS_KEY: _k, ...noCert } = adminCli();
    const tlsOnly = await gatehouse(['users', 'list'], noCert);
    expect(tlsOnly.code).toBe(2);
    expect(tlsOnly.out).toBe('');
    expect(tlsOnly.err).toMatch(/SERVICE_UNAVAILABLE|unavailable/i);
    const plain = await gatehouse(['users', 'list'], { AUTH_BASIC_GRPC_ENDPOINT: target('auth-basic') });
    expect([plain.code, plain.out]).toEqual([2, '']);
    // A target beyond this machine is refused before any call when no certificate is configured.
    const remote = await gatehouse(['users', 'list'], { AUTH_BASIC_GRPC_ENDPOINT: 'auth-basic.invalid:9221' });
    expect(remote.code).toBe(2);
    expect(remote.err).toMatch(
      /AUTH_BASIC_GRPC_ENDPOINT auth-basic\.invalid:9221 is a remote deployment: present the admin client certificate/,
    );
  });

  // What a refused handshake gives: grpc-js UNAVAILABLE, translated by the shared clients to SERVICE_UNAVAILABLE.
  const withoutCertificate = (): Array<[string, GrpcTlsConfig | undefined]> => [
    ['TLS, no certificate', { enabled: true, caFile: pki.caCert }],
    ['plaintext', undefined],
    ['a certificate from another CA', { enabled: true, caFile: pki.caCert, certFile: pki.rogueClientCert, keyFile: pki.rogueClientKey }],
  ];

  it('attack: OpenSession on auth-bearer from a client without the client certificate is refused (UNAVAILABLE, failed handshake)', async () => {
    for (const [how, tls] of withoutCertificate()) {
      const client = createTokenClient(target('auth-bearer'), { deadlineMs: 5000, ...(tls ? { tls } : {}) });
      await expect(
        client.OpenSession(openSession).then(
          () => [how, 'answered'],
          (e: { code?: string }) => [how, e.code],
        ),
      ).resolves.toEqual([how, 'SERVICE_UNAVAILABLE']);
      client.close();
    }
    // With a certificate the CA signed, the same call gets through the handshake and is answered.
    const mutual = createTokenClient(target('auth-bearer'), {
      deadlineMs: 5000,
      tls: { enabled: true, caFile: pki.caCert, certFile: pki.serviceCert, keyFile: pki.serviceKey },
    });
    await expect(
      mutual.OpenSession(openSession).then(
        () => 'answered',
        (e: { code?: string }) => e.code,
      ),
    ).resolves.not.toBe('SERVICE_UNAVAILABLE');
    mutual.close();
  });

  it('attack: CreateUser on auth-basic from a client without the client certificate is refused and creates nothing', async () => {
    for (const [how, tls] of withoutCertificate()) {
      const client = createUserClient(target('auth-basic'), { deadlineMs: 5000, ...(tls ? { tls } : {}) });
      await expect(
        client.CreateUser(createUser).then(
          () => [how, 'created'],
          (e: { code?: string }) => [how, e.code],
        ),
      ).resolves.toEqual([how, 'SERVICE_UNAVAILABLE']);
      client.close();
    }
    const admin = createUserClient(target('auth-basic'), {
      deadlineMs: 5000,
      tls: { enabled: true, caFile: pki.caCert, certFile: pki.clientCert, keyFile: pki.clientKey },
    });
    await expect(admin.GetUser({ email: createUser.email })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    admin.close();
  });

  it('refuses to start a service whose internal gRPC listens beyond loopback without mTLS (fail closed)', async () => {
    const base: Record<string, string> = { ...stack.env, LOG_LEVEL: 'silent', AUTH_APP_GRPC_ADDR: `0.0.0.0:${await freePort()}` };
    const noTls = { ...base };
    delete noTls.GATEHOUSE_GRPC_TLS_ENABLED;
    delete noTls.GATEHOUSE_GRPC_TLS_CLIENT_AUTH;
    const plain = await gatehouse(['auth-app', 'server'], noTls);
    expect(plain.code).toBe(2);
    expect(plain.err).toMatch(/AUTH_APP_GRPC_ADDR: 0\.0\.0\.0:\d+ is reachable beyond this machine but internal gRPC is not authenticated/);
    // TLS without client certificates lets anyone in as well.
    const tlsOnly = await gatehouse(['auth-app', 'server'], { ...base, GATEHOUSE_GRPC_TLS_CLIENT_AUTH: 'false' });
    expect(tlsOnly.code).toBe(2);
    expect(tlsOnly.err).toMatch(/AUTH_APP_GRPC_ADDR: .* not authenticated/);
  });
});
