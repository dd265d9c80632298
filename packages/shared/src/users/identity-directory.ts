import { GatehouseError } from '../errors.js';
import type { UserClient } from '../grpc/clients.js';
import { directoryUserOf, type DirectoryUser } from './user-directory.js';

/** What a provider asserted about a person, with the provider's policy (AUTH_<NAME>_*). */
export interface ExternalIdentityClaims {
  provider: string;
  external_id: string;
  email: string;
  email_verified: boolean;
  name: string;
  allow_registration: boolean;
  default_role: string;
}

/**
 * The port to the accounts of external identities (auth-basic's UserService): auth-bearer signs
 * people in after an SSO callback, the proxy maps provider access tokens to accounts.
 */
export interface IdentityDirectory {
  /** Finds, links or creates the account (auth-basic applies the rules); refusals are GatehouseErrors. */
  signIn(claims: ExternalIdentityClaims): Promise<DirectoryUser>;
  /** The linked account; null when the identity is linked to none. */
  findByIdentity(provider: string, externalId: string): Promise<DirectoryUser | null>;
}

/** The gRPC implementation over createUserClient(AUTH_BASIC_GRPC_ENDPOINT). */
export function grpcIdentityDirectory(client: Pick<UserClient, 'SignInWithIdentity' | 'GetUserByIdentity'>): IdentityDirectory {
  return {
    signIn: async (claims) => directoryUserOf(await client.SignInWithIdentity(claims)),
    async findByIdentity(provider, externalId) {
      try {
        return directoryUserOf(await client.GetUserByIdentity({ provider, external_id: externalId }));
      } catch (err) {
        if (err instanceof GatehouseError && err.code === 'NOT_FOUND') return null;
        throw err;
      }
    },
  };
}
