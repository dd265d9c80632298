import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, createUserClient, loadProtos } from '@gatehouse/shared';
import { createTestPki, type TestPki } from '@gatehouse/shared/testing';
import * as grpc from '@grpc/grpc-js';
import { startAllInOne, type RunningRuntime } from '../src/index.js';
import { json, onFreePorts, waitFor } from './helpers.js';

// GATEHOUSE_GRPC_TLS_*: every internal gRPC hop (auth-basic → auth-bearer, proxy → auth-basic,
// the bootstrap, the proxy's gRPC entry) under mutual TLS, certificates made at test start.
describe('all-in-one with mTLS between the services', () => {
  let pki: TestPki;
  let rt: RunningRuntime;
  let addrs: Record<string, string>;
  const password = 'mtls admin password 123';

  beforeAll(async () => {
    pki = createTestPki();
    ({ addrs, value: rt } = await onFreePorts((addrs) =>
      startAllInOne(
        {
          ...addrs,
          GATEHOUSE_GRPC_TLS_ENABLED: 'true',
          GATEHOUSE_GRPC_TLS_CERT: pki.serviceCert,
          GATEHOUSE_GRPC_TLS_KEY: pki.serviceKey,
          GATEHOUSE_GRPC_TLS_CA: pki.caCert,
          GATEHOUSE_GRPC_TLS_CLIENT_AUTH: 'true',
          // Certificates name localhost; the services dial each other by that name.
          AUTH_BEARER_GRPC_ENDPOINT: `localhost:${addrs.AUTH_BEARER_GRPC_ADDR!.split(':')[1]}`,
          AUTH_BASIC_GRPC_ENDPOINT: `localhost:${addrs.AUTH_BASIC_GRPC_ADDR!.split(':')[1]}`,
          GATEHOUSE_ADMIN_PASSWORD: password,
          LOGIN_STALL_TIME: '10ms',
          BCRYPT_COST: '8',
        },
        { logger: createLogger({ service: 'test', level: 'silent' }), print: () => undefined, dataDir: mkdtempSync(join(tmpdir(), 'gh-')) },
      ),
    ));
    await waitFor(async () => (await fetch(`http://${addrs.PROXY_DEBUG_ADDR}/readyz`)).status === 200);
  }, 60_000);

  afterAll(async () => {
    await rt?.stop();
    pki?.cleanup();
  });

  it('logs in through the proxy (auth-basic → auth-bearer over mTLS) and reaches /whoami', async () => {
    const login = await fetch(`http://${addrs.PROXY_HTTP_ADDR}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.com', password }),
    });
    expect(login.status).toBe(200);
    const token = (await json(login)).data.access_token as string;
    const who = await fetch(`http://${addrs.PROXY_HTTP_ADDR}/whoami`, { headers: { authorization: `Bearer ${token}` } });
    expect(who.status).toBe(200);
  });

  it('serves LoginService at the proxy gRPC entry over TLS to a public client without a certificate', async () => {
    // Services require each other's certificates; the public entry (PROXY_GRPC_TLS_CLIENT_AUTH unset) does not.
    const creds = grpc.credentials.createSsl(readFileSync(pki.caCert));
    const client = new (loadProtos().login.v1.LoginService)(`localhost:${addrs.PROXY_GRPC_ADDR!.split(':')[1]}`, creds);
    const res = await new Promise<any>((resolve, reject) =>
      client.Login(
        { email: 'admin@example.com', password },
        { deadline: Date.now() + 10_000 },
        (err: grpc.ServiceError | null, r: unknown) => (err ? reject(err) : resolve(r)),
      ),
    );
    expect(res.claims.email).toBe('admin@example.com');
    client.close();
  });

  it('refuses a service client without a certificate, and a plaintext one', async () => {
    const port = addrs.AUTH_BASIC_GRPC_ADDR!.split(':')[1];
    const noCert = createUserClient(`localhost:${port}`, { deadlineMs: 3000, tls: { enabled: true, caFile: pki.caCert } });
    await expect(noCert.GetUser({ email: 'admin@example.com' })).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    noCert.close();
    const plain = createUserClient(`127.0.0.1:${port}`, { deadlineMs: 3000 });
    await expect(plain.GetUser({ email: 'admin@example.com' })).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    plain.close();
    const mutual = createUserClient(`localhost:${port}`, {
      deadlineMs: 5000,
      tls: { enabled: true, caFile: pki.caCert, certFile: pki.serviceCert, keyFile: pki.serviceKey },
    });
    await expect(mutual.GetUser({ email: 'admin@example.com' })).resolves.toMatchObject({ email: 'admin@example.com' });
    mutual.close();
  });
});
