import type { Clock, DirectoryUser, UserDirectory, UserKey } from '@gatehouse/shared';

/**
 * Reuses directory answers by id for `ttlMs` (bounded to `maxEntries`, oldest evicted first).
 * A user.changed event calls `invalidate` so a deleted or disabled user is seen at once; the TTL
 * bounds the damage of a missed event. Lookups by email are not cached (they only create tokens),
 * and neither is a missing user (a user created a moment later must be found).
 */
export class CachedUserDirectory implements UserDirectory {
  private readonly entries = new Map<string, { user: DirectoryUser; until: number }>();

  constructor(
    private readonly inner: UserDirectory,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  async getUser(key: UserKey): Promise<DirectoryUser | null> {
    if (!('id' in key)) return this.inner.getUser(key);
    const hit = this.entries.get(key.id);
    if (hit && hit.until > this.clock.now()) return hit.user;
    this.entries.delete(key.id);
    const user = await this.inner.getUser(key);
    if (this.ttlMs > 0 && this.maxEntries > 0 && user !== null) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key.id, { user, until: this.clock.now() + this.ttlMs });
    }
    return user;
  }

  invalidate(id: string): void {
    this.entries.delete(id);
  }
}
