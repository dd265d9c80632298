import { readFileSync } from 'node:fs';
import { ChannelCredentials, ServerCredentials } from '@grpc/grpc-js';

/** GATEHOUSE_GRPC_TLS_*: optional TLS (and mTLS with a CA + client auth) between services. */
export interface GrpcTlsConfig {
  enabled: boolean;
  certFile?: string | undefined;
  keyFile?: string | undefined;
  /** CA that signed the peers' certificates. */
  caFile?: string | undefined;
  /** Server side: require and verify client certificates (mTLS). */
  requireClientCert?: boolean | undefined;
}

/** Server side: plaintext unless enabled; with `requireClientCert`, only clients whose certificate `caFile` signed get in. */
export function serverCredentials(tls?: GrpcTlsConfig): ServerCredentials {
  if (!tls?.enabled) return ServerCredentials.createInsecure();
  if (!tls.certFile || !tls.keyFile) throw new Error('GATEHOUSE_GRPC_TLS_CERT and GATEHOUSE_GRPC_TLS_KEY are required when TLS is enabled');
  // Without a CA there is nothing to verify client certificates against: refuse rather than run open.
  if (tls.requireClientCert && !tls.caFile)
    throw new Error('GATEHOUSE_GRPC_TLS_CA is required when GATEHOUSE_GRPC_TLS_CLIENT_AUTH is true');
  const ca = tls.caFile ? readFileSync(tls.caFile) : null;
  return ServerCredentials.createSsl(
    ca,
    [{ cert_chain: readFileSync(tls.certFile), private_key: readFileSync(tls.keyFile) }],
    tls.requireClientCert === true,
  );
}

/** Client side: verifies the server against `caFile` (else the system roots); presents cert+key for mTLS. */
export function channelCredentials(tls?: GrpcTlsConfig): ChannelCredentials {
  if (!tls?.enabled) return ChannelCredentials.createInsecure();
  if (Boolean(tls.certFile) !== Boolean(tls.keyFile))
    throw new Error('GATEHOUSE_GRPC_TLS_CERT and GATEHOUSE_GRPC_TLS_KEY must be set together');
  const ca = tls.caFile ? readFileSync(tls.caFile) : null;
  const cert = tls.certFile ? readFileSync(tls.certFile) : null;
  const key = tls.keyFile ? readFileSync(tls.keyFile) : null;
  return ChannelCredentials.createSsl(ca, key, cert);
}
