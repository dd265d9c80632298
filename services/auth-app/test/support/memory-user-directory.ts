import type { DirectoryUser, UserDirectory } from '../../src/domain/ports.js';

/**
 * An in-process stand-in for auth-basic's UserService (the cross-service e2e runs the real one).
 * Counts lookups so tests can see the cache at work.
 */
export class MemoryUserDirectory implements UserDirectory {
  readonly users = new Map<string, DirectoryUser>();
  lookups = 0;

  add(user: Partial<DirectoryUser> & { id: string; email: string }): DirectoryUser {
    const u: DirectoryUser = { name: user.email.split('@')[0]!, roles: [], groups: [], status: 'active', ...user };
    this.users.set(u.id, u);
    return u;
  }

  remove(id: string): void {
    this.users.delete(id);
  }

  setStatus(id: string, status: string): void {
    const u = this.users.get(id);
    if (u) u.status = status;
  }

  getById(id: string): Promise<DirectoryUser | null> {
    this.lookups++;
    const u = this.users.get(id);
    return Promise.resolve(u ? { ...u } : null);
  }

  getByEmail(email: string): Promise<DirectoryUser | null> {
    this.lookups++;
    for (const u of this.users.values()) if (u.email.toLowerCase() === email.toLowerCase()) return Promise.resolve({ ...u });
    return Promise.resolve(null);
  }
}
