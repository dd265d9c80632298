import { GatehouseError } from '../errors.js';
import type { UserClient } from '../grpc/clients.js';

/** A user as the services that do not own users need one (auth-basic's gatehouse.v1.User). */
export interface DirectoryUser {
  id: string;
  email: string;
  name: string;
  roles: string[];
  groups: string[];
  /** active, suspended or disabled; anything but active must be refused. */
  status: string;
}

export type UserKey = { id: string } | { email: string };

/**
 * The port to the user directory (auth-basic's UserService). `null`: no such user; an outage
 * throws SERVICE_UNAVAILABLE. auth-bearer (refresh, impersonation) and auth-app use it.
 */
export interface UserDirectory {
  getUser(key: UserKey): Promise<DirectoryUser | null>;
}

/** The gRPC implementation over createUserClient(AUTH_BASIC_GRPC_ENDPOINT). */
export function grpcUserDirectory(client: UserClient): UserDirectory {
  return {
    async getUser(key) {
      try {
        const u = await client.GetUser('id' in key ? { id: key.id } : { email: key.email });
        return { id: u.id, email: u.email, name: u.name, roles: u.roles, groups: u.groups, status: u.status };
      } catch (err) {
        if (err instanceof GatehouseError && err.code === 'NOT_FOUND') return null;
        throw err;
      }
    },
  };
}
