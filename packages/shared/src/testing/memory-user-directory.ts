import type { DirectoryUser, UserDirectory, UserKey } from '../users/user-directory.js';

/**
 * An in-process stand-in for auth-basic's UserService (the cross-service e2e runs the real one).
 * Emails match in any case, as auth-basic's do. Counts lookups so tests can see the cache at work.
 */
export class MemoryUserDirectory implements UserDirectory {
  readonly users = new Map<string, DirectoryUser>();
  lookups = 0;

  /** Adds an active user; the e-mail defaults to `<id>@example.test`, the name to the e-mail's local part. */
  add(user: Partial<DirectoryUser> & { id: string }): DirectoryUser {
    const email = user.email ?? `${user.id}@example.test`;
    const u: DirectoryUser = { name: email.split('@')[0]!, roles: [], groups: [], status: 'active', ...user, email };
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

  getUser(key: UserKey): Promise<DirectoryUser | null> {
    this.lookups++;
    const u =
      'id' in key ? this.users.get(key.id) : [...this.users.values()].find((x) => x.email.toLowerCase() === key.email.toLowerCase());
    return Promise.resolve(u ? { ...u } : null);
  }
}
