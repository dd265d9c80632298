import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './spawn-server.js';

/** Files of a throwaway PKI: a CA, a server certificate for localhost/127.0.0.1 and a client certificate. */
export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** One certificate for a service that is both gRPC server and client (mTLS between services). */
  serviceCert: string;
  serviceKey: string;
  /** A second, untrusted CA and a client certificate it signed (must be refused under mTLS). */
  rogueCaCert: string;
  rogueClientCert: string;
  rogueClientKey: string;
  /** Removes every file (the private keys included). */
  cleanup(): void;
}

/**
 * Generates a CA, server and client certificates at test start with the `openssl` CLI (P-256,
 * valid one day) in a temporary folder. No private key is ever committed.
 */
export function createTestPki(): TestPki {
  const openssl = requireBinary('openssl', 'Install it with: apt-get install -y openssl');
  const dir = mkdtempSync(join(tmpdir(), 'gh-pki-'));
  const f = (name: string) => join(dir, name);
  const run = (...args: string[]) => execFileSync(openssl, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

  const ca = (name: string) =>
    run(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      f(`${name}.key`),
      '-out',
      f(`${name}.crt`),
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
  const leaf = (name: string, caName: string, cn: string, ext: string) => {
    writeFileSync(f(`${name}.ext`), ext);
    run('req', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`);
    run(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f(`${caName}.crt`),
      '-CAkey',
      f(`${caName}.key`),
      '-CAcreateserial',
      '-out',
      f(`${name}.crt`),
      '-days',
      '1',
      '-extfile',
      f(`${name}.ext`),
    );
  };

  ca('ca');
  ca('rogue-ca');
  leaf('server', 'ca', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  leaf('client', 'ca', 'gatehouse-client', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  leaf(
    'service',
    'ca',
    'localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n',
  );
  leaf('rogue-client', 'rogue-ca', 'gatehouse-client', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');

  return {
    dir,
    caCert: f('ca.crt'),
    serverCert: f('server.crt'),
    serverKey: f('server.key'),
    clientCert: f('client.crt'),
    clientKey: f('client.key'),
    serviceCert: f('service.crt'),
    serviceKey: f('service.key'),
    rogueCaCert: f('rogue-ca.crt'),
    rogueClientCert: f('rogue-client.crt'),
    rogueClientKey: f('rogue-client.key'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
