import { GatehouseError, type UserClient } from '@gatehouse/shared';

/** The user as auth-bearer needs it: identity, claims and whether the account may still be used. */
export interface DirectoryUser {
  id: string;
  email: string;
  name: string;
  roles: string[];
  groups: string[];
  /** active, suspended, disabled */
  status: string;
}

export type UserKey = { id: string } | { email: string };

/**
 * The port to the user directory (auth-basic's gatehouse.v1.UserService). Refresh re-checks the
 * user through it; impersonation finds its target through it. `null`: no such user.
 */
export interface UserDirectory {
  getUser(key: UserKey): Promise<DirectoryUser | null>;
}

/** The gRPC implementation (createUserClient(AUTH_BASIC_GRPC_ENDPOINT)). */
export function grpcUserDirectory(client: UserClient): UserDirectory {
  return {
    async getUser(key) {
      try {
        const u = await client.GetUser('id' in key ? { id: key.id } : { email: key.email });
        return { id: u.id ?? '', email: u.email ?? '', name: u.name ?? '', roles: u.roles ?? [], groups: u.groups ?? [], status: u.status ?? '' };
      } catch (err) {
        if (err instanceof GatehouseError && err.code === 'NOT_FOUND') return null;
        throw err;
      }
    },
  };
}
