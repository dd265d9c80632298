import { createUserClient } from '../grpc/clients.js';
import type { GrpcTlsConfig } from '../grpc/tls.js';
import type { ReadinessCheck } from '../observability/debug-server.js';
import { grpcPeerCheck } from '../observability/readiness.js';
import { grpcUserDirectory, type UserDirectory } from '../users/user-directory.js';

/** The user directory a service that does not own users reads, with what its readiness needs. */
export interface ConnectedUserDirectory {
  directory: UserDirectory;
  /** auth-basic's liveness for /readyz; none when a test passed its own directory. */
  checks: ReadinessCheck[];
  /** Closes the gRPC client and the readiness channel it opened (nothing for an override). */
  close(): void;
}

/**
 * auth-basic's UserService over gRPC (AUTH_BASIC_GRPC_ENDPOINT), or the directory a test passes.
 * auth-bearer (refresh, impersonation) and auth-app (token owners) use it.
 */
export function userDirectoryFor(
  config: { AUTH_BASIC_GRPC_ENDPOINT: string; GATEHOUSE_GRPC_DEADLINE: number },
  tls: GrpcTlsConfig,
  override?: UserDirectory,
): ConnectedUserDirectory {
  if (override) return { directory: override, checks: [], close: () => undefined };
  const client = createUserClient(config.AUTH_BASIC_GRPC_ENDPOINT, { tls, deadlineMs: config.GATEHOUSE_GRPC_DEADLINE });
  const peer = grpcPeerCheck('auth-basic', config.AUTH_BASIC_GRPC_ENDPOINT, tls);
  return {
    directory: grpcUserDirectory(client),
    checks: [peer],
    close() {
      client.close();
      peer.close();
    },
  };
}
