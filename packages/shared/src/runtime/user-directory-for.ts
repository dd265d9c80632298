import { createUserClient, type UserClient } from '../grpc/clients.js';
import type { GrpcTlsConfig } from '../grpc/tls.js';
import type { ReadinessCheck } from '../observability/debug-server.js';
import { grpcPeerCheck } from '../observability/readiness.js';
import { grpcIdentityDirectory, type IdentityDirectory } from '../users/identity-directory.js';
import { grpcCredentialChecker, grpcUserDirectory, type CredentialChecker, type UserDirectory } from '../users/user-directory.js';

/** The ports to auth-basic's UserService a service that does not own users reads, with what its readiness needs. */
export interface ConnectedUserDirectory {
  directory: UserDirectory;
  /** Accounts of external identities (SSO sign-in, provider access tokens). */
  identities: IdentityDirectory;
  /**
   * The password check of the built-in IdP's login form. `deadlineMs` must cover auth-basic's
   * stall and its bcrypt queue (AUTH_OIDC_LOGIN_DEADLINE), so it is the caller's.
   */
  credentials(deadlineMs: number): CredentialChecker;
  /** auth-basic's liveness for /readyz; none when a test passed its own directory. */
  checks: ReadinessCheck[];
  /** Closes the gRPC client and the readiness channel it opened (nothing for overrides). */
  close(): void;
}

/** What tests (and the all-in-one runtime) may pass instead of the gRPC ports. */
export interface UserDirectoryOverrides {
  userDirectory?: UserDirectory | undefined;
  identities?: IdentityDirectory | undefined;
  credentials?: CredentialChecker | undefined;
}

/**
 * auth-basic's UserService over gRPC (AUTH_BASIC_GRPC_ENDPOINT), one client for every port, or the
 * ports a test passes. auth-bearer (refresh, impersonation, SSO, the built-in IdP) and auth-app
 * (token owners) use it.
 */
export function userDirectoryFor(
  config: { AUTH_BASIC_GRPC_ENDPOINT: string; GATEHOUSE_GRPC_DEADLINE: number },
  tls: GrpcTlsConfig,
  overrides: UserDirectoryOverrides = {},
): ConnectedUserDirectory {
  const { userDirectory, identities, credentials } = overrides;
  // One client for every port, opened by the first call one makes: ports a test replaced, or a
  // service never calls, open nothing.
  let client: UserClient | undefined;
  const connect = (): UserClient =>
    (client ??= createUserClient(config.AUTH_BASIC_GRPC_ENDPOINT, { tls, deadlineMs: config.GATEHOUSE_GRPC_DEADLINE }));
  const calls: Pick<UserClient, 'GetUser' | 'CheckCredentials' | 'SignInWithIdentity' | 'GetUserByIdentity'> = {
    GetUser: (r, o) => connect().GetUser(r, o),
    CheckCredentials: (r, o) => connect().CheckCredentials(r, o),
    SignInWithIdentity: (r, o) => connect().SignInWithIdentity(r, o),
    GetUserByIdentity: (r, o) => connect().GetUserByIdentity(r, o),
  };
  const peer = userDirectory ? undefined : grpcPeerCheck('auth-basic', config.AUTH_BASIC_GRPC_ENDPOINT, tls);
  return {
    directory: userDirectory ?? grpcUserDirectory(calls),
    identities: identities ?? grpcIdentityDirectory(calls),
    credentials: (deadlineMs) => credentials ?? grpcCredentialChecker(calls, deadlineMs),
    checks: peer ? [peer] : [],
    close() {
      client?.close();
      peer?.close();
    },
  };
}
