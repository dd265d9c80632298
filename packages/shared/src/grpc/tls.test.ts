import { createTestPki, type TestPki } from '../testing/tls-certs.js';
import { createUserClient } from './clients.js';
import { channelCredentials, serverCredentials, type GrpcTlsConfig } from './tls.js';
import { startUserService } from './user-service.fixture.js';
import { codeOf } from '../testing/code-of.js';

describe('gRPC TLS and mTLS between services (GATEHOUSE_GRPC_TLS_*)', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = createTestPki();
  });
  afterAll(() => pki.cleanup());

  describe('TLS (server certificate only)', () => {
    let stop: () => Promise<void>;
    let port: number;
    beforeAll(async () => {
      const f = startUserService({ tls: { enabled: true, certFile: pki.serverCert, keyFile: pki.serverKey } });
      port = await f.server.listen('127.0.0.1:0');
      stop = () => f.server.stop(100);
    });
    afterAll(async () => stop());

    it('answers a client that trusts the CA', async () => {
      const client = createUserClient(`localhost:${port}`, { tls: { enabled: true, caFile: pki.caCert } });
      await expect(client.GetUser({ id: 'ok:tls' })).resolves.toMatchObject({ id: 'ok:tls' });
      client.close();
    });

    it('answers on 127.0.0.1 too (IP SAN)', async () => {
      const client = createUserClient(`127.0.0.1:${port}`, { tls: { enabled: true, caFile: pki.caCert } });
      await expect(client.GetUser({ id: 'ok:ip' })).resolves.toMatchObject({ id: 'ok:ip' });
      client.close();
    });

    it('refuses a plaintext client', async () => {
      const client = createUserClient(`127.0.0.1:${port}`, { deadlineMs: 1000 });
      expect(await codeOf(client.CreateUser({ email: 'ok:plain' }))).toBe('SERVICE_UNAVAILABLE');
      client.close();
    });

    it('is refused by a client that does not trust the issuing CA (no silent downgrade)', async () => {
      const client = createUserClient(`localhost:${port}`, { deadlineMs: 1000, tls: { enabled: true, caFile: pki.rogueCaCert } });
      expect(await codeOf(client.CreateUser({ email: 'ok:untrusted' }))).toBe('SERVICE_UNAVAILABLE');
      client.close();
    });

    it('is refused when the name does not match the certificate', async () => {
      const client = createUserClient(`127.0.0.1:${port}`, {
        deadlineMs: 1000,
        serverNameOverride: 'auth-bearer.internal',
        tls: { enabled: true, caFile: pki.caCert },
      });
      expect(await codeOf(client.CreateUser({ email: 'ok:wrong-name' }))).toBe('SERVICE_UNAVAILABLE');
      client.close();
    });
  });

  describe('mTLS (requireClientCert)', () => {
    let stop: () => Promise<void>;
    let port: number;
    let hits: Map<string, number>;
    beforeAll(async () => {
      const f = startUserService({
        tls: { enabled: true, certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caCert, requireClientCert: true },
      });
      hits = f.hits;
      port = await f.server.listen('127.0.0.1:0');
      stop = () => f.server.stop(100);
    });
    afterAll(async () => stop());

    const client = (tls: Partial<GrpcTlsConfig>) =>
      createUserClient(`localhost:${port}`, { deadlineMs: 1000, tls: { enabled: true, caFile: pki.caCert, ...tls } });

    it('accepts a client with a certificate the CA signed', async () => {
      const c = client({ certFile: pki.clientCert, keyFile: pki.clientKey });
      await expect(c.GetUser({ id: 'ok:mtls' })).resolves.toMatchObject({ id: 'ok:mtls' });
      c.close();
    });

    it('refuses a client without a certificate before any handler runs', async () => {
      const c = client({});
      expect(await codeOf(c.CreateUser({ email: 'ok:no-cert' }))).toBe('SERVICE_UNAVAILABLE');
      expect(hits.get('ok:no-cert')).toBeUndefined();
      c.close();
    });

    it('refuses a client whose certificate another CA signed', async () => {
      const c = client({ certFile: pki.rogueClientCert, keyFile: pki.rogueClientKey });
      expect(await codeOf(c.CreateUser({ email: 'ok:rogue' }))).toBe('SERVICE_UNAVAILABLE');
      expect(hits.get('ok:rogue')).toBeUndefined();
      c.close();
    });
  });

  describe('configuration mistakes fail at start, clearly', () => {
    it('requires cert and key on the server', () => {
      expect(() => serverCredentials({ enabled: true, certFile: pki.serverCert })).toThrow(/GATEHOUSE_GRPC_TLS_KEY/);
    });

    it('requires a CA when client certificates are required (never an open mTLS server)', () => {
      expect(() => serverCredentials({ enabled: true, certFile: pki.serverCert, keyFile: pki.serverKey, requireClientCert: true })).toThrow(
        /GATEHOUSE_GRPC_TLS_CA/,
      );
    });

    it('requires client cert and key together', () => {
      expect(() => channelCredentials({ enabled: true, caFile: pki.caCert, certFile: pki.clientCert })).toThrow(/together/);
    });

    it('reports a missing file', () => {
      expect(() => serverCredentials({ enabled: true, certFile: `${pki.dir}/nope.crt`, keyFile: pki.serverKey })).toThrow(/ENOENT/);
    });
  });
});
