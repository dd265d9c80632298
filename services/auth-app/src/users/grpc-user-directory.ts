import { GatehouseError, type UserClient } from '@gatehouse/shared';
import type { DirectoryUser, UserDirectory } from '../domain/ports.js';

/** auth-basic's UserService.GetUser behind the UserDirectory port. NOT_FOUND → null; outages throw. */
export class GrpcUserDirectory implements UserDirectory {
  constructor(private readonly client: Pick<UserClient, 'GetUser'>) {}

  getById(id: string): Promise<DirectoryUser | null> {
    return this.fetch({ id });
  }

  getByEmail(email: string): Promise<DirectoryUser | null> {
    return this.fetch({ email });
  }

  private async fetch(key: { id: string } | { email: string }): Promise<DirectoryUser | null> {
    try {
      const u = await this.client.GetUser(key);
      return { id: u.id, email: u.email, name: u.name, roles: u.roles ?? [], groups: u.groups ?? [], status: u.status };
    } catch (err) {
      if (err instanceof GatehouseError && err.code === 'NOT_FOUND') return null;
      throw err;
    }
  }
}
