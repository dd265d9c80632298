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

/** The port's view of auth-basic's gatehouse.v1.User (no password, TOTP or identity fields). */
export function directoryUserOf(u: DirectoryUser): DirectoryUser {
  return { id: u.id, email: u.email, name: u.name, roles: u.roles, groups: u.groups, status: u.status };
}

/** The account fields every principal and session carries, as the gRPC messages spell them. */
export interface AccountClaims {
  user_id: string;
  email: string;
  name: string;
  roles: string[];
  groups: string[];
}

/** A user's account fields for a principal or a session: one mapping for every service that makes one. */
export function accountClaims(u: Pick<DirectoryUser, 'id' | 'email' | 'name' | 'roles' | 'groups'>): AccountClaims {
  return { user_id: u.id, email: u.email, name: u.name, roles: u.roles, groups: u.groups };
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
export function grpcUserDirectory(client: Pick<UserClient, 'GetUser'>): UserDirectory {
  return {
    async getUser(key) {
      try {
        return directoryUserOf(await client.GetUser('id' in key ? { id: key.id } : { email: key.email }));
      } catch (err) {
        if (err instanceof GatehouseError && err.code === 'NOT_FOUND') return null;
        throw err;
      }
    },
  };
}

/** An e-mail + password (+ one-time code) attempt, with the end user's address for the limiter. */
export interface CredentialAttempt {
  email: string;
  password: string;
  /** Empty until the form has asked for one. */
  otp: string;
  ip: string;
}

/**
 * The port to auth-basic's password check (UserService.CheckCredentials): its limiter, stall and
 * TOTP, no session. Throws INVALID_CREDENTIALS, INVALID_OTP (an empty otp: a code is needed),
 * REQUESTS_EXCEEDED (retryAfter) or SERVICE_UNAVAILABLE.
 */
export interface CredentialChecker {
  checkCredentials(a: CredentialAttempt): Promise<{ user: DirectoryUser; amr: string[] }>;
}

/**
 * The gRPC implementation over createUserClient(AUTH_BASIC_GRPC_ENDPOINT). `deadlineMs` must cover
 * auth-basic's stall and its bcrypt queue, so it is the caller's, not the default deadline.
 */
export function grpcCredentialChecker(client: Pick<UserClient, 'CheckCredentials'>, deadlineMs: number): CredentialChecker {
  return {
    async checkCredentials(a) {
      const r = await client.CheckCredentials({ email: a.email, password: a.password, otp: a.otp, ip: a.ip }, { deadlineMs });
      if (!r.user) throw new GatehouseError('INTERNAL', { detail: 'CheckCredentials answered no user' });
      return { user: directoryUserOf(r.user), amr: r.amr };
    },
  };
}
