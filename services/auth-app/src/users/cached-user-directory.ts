import type { Clock } from '@gatehouse/shared';
import type { DirectoryUser, UserDirectory } from '../domain/ports.js';

/**
 * Reuses directory answers by id for `ttlMs` (bounded to `maxEntries`, oldest evicted first).
 * A user.changed event calls `invalidate` so a deleted or disabled user is seen at once; the TTL
 * bounds the damage of a missed event. Lookups by email are not cached (they only create tokens).
 */
export class CachedUserDirectory implements UserDirectory {
  private readonly entries = new Map<string, { user: DirectoryUser | null; until: number }>();

  constructor(
    private readonly inner: UserDirectory,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  async getById(id: string): Promise<DirectoryUser | null> {
    const hit = this.entries.get(id);
    if (hit && hit.until > this.clock.now()) return hit.user;
    this.entries.delete(id);
    const user = await this.inner.getById(id);
    if (this.ttlMs > 0 && this.maxEntries > 0 && user !== null) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(id, { user, until: this.clock.now() + this.ttlMs });
    }
    return user;
  }

  getByEmail(email: string): Promise<DirectoryUser | null> {
    return this.inner.getByEmail(email);
  }

  invalidate(id: string): void {
    this.entries.delete(id);
  }
}
