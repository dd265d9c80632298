import type { KeyValueStore } from '@gatehouse/shared';

const resetKey = (digest: string) => `basic:reset:${digest}`;
const resetUserKey = (userId: string) => `basic:reset-user:${userId}`;

/**
 * Password-reset tokens, stored only as SHA-256 digests. One live token per user: a newer
 * request supersedes (deletes) the older one. Taking a token deletes it (single use).
 */
export class ResetTokenStore {
  constructor(private readonly kv: KeyValueStore) {}

  async put(userId: string, digest: string, ttlMs: number): Promise<void> {
    const previous = await this.kv.get(resetUserKey(userId));
    if (previous) await this.kv.del(resetKey(previous));
    await this.kv.set(resetKey(digest), userId, { ttlMs });
    await this.kv.set(resetUserKey(userId), digest, { ttlMs });
  }

  /** The user id of a live token, consuming it; null when unknown, used, expired or superseded. */
  async take(digest: string): Promise<string | null> {
    const userId = await this.kv.take(resetKey(digest));
    if (!userId) return null;
    // Clears the user's pointer only if it still names this token.
    const current = await this.kv.compareAndSet(resetUserKey(userId), digest, null);
    return current ? userId : null;
  }
}

/** TOTP bookkeeping: used time steps (replay), pending enrollments, single-use recovery codes. */
export class TotpStore {
  constructor(private readonly kv: KeyValueStore) {}

  /** Marks a step used; false when it already was (a replayed code). */
  markStepUsed(userId: string, step: number, ttlMs: number): Promise<boolean> {
    return this.kv.set(`basic:totp-used:${userId}:${step}`, '1', { ttlMs, onlyIfAbsent: true });
  }

  putPending(userId: string, sealedSecret: string, ttlMs: number): Promise<boolean> {
    return this.kv.set(`basic:totp-pending:${userId}`, sealedSecret, { ttlMs });
  }

  getPending(userId: string): Promise<string | null> {
    return this.kv.get(`basic:totp-pending:${userId}`);
  }

  async clearPending(userId: string): Promise<void> {
    await this.kv.del(`basic:totp-pending:${userId}`);
  }
}
