import type { KeyValueStore } from '@gatehouse/shared';

const resetKey = (digest: string) => `basic:reset:${digest}`;
const resetUserKey = (userId: string) => `basic:reset-user:${userId}`;

/**
 * Password-reset tokens, stored only as SHA-256 digests. One live token per user: a newer
 * request supersedes (deletes) the older one. Taking a token deletes it (single use).
 */
export class ResetTokenStore {
  constructor(private readonly kv: KeyValueStore) {}

  async put(userId: string, digest: string, ttlMs: number, issuedAtMs: number): Promise<void> {
    const previous = await this.kv.get(resetUserKey(userId));
    if (previous) await this.kv.del(resetKey(previous));
    await this.kv.set(resetKey(digest), `${userId} ${issuedAtMs}`, { ttlMs });
    await this.kv.set(resetUserKey(userId), digest, { ttlMs });
  }

  /** The user id and issue time of a live token, consuming it; null when unknown, used, expired or superseded. */
  async take(digest: string): Promise<{ userId: string; issuedAtMs: number } | null> {
    const value = await this.kv.take(resetKey(digest));
    if (!value) return null;
    const [userId = '', issued = ''] = value.split(' ');
    // Clears the user's pointer only if it still names this token.
    const current = await this.kv.compareAndSet(resetUserKey(userId), digest, null);
    return current ? { userId, issuedAtMs: Number(issued) || 0 } : null;
  }
}

/** TOTP bookkeeping: used time steps (replay), pending enrollments, single-use recovery codes. */
export class TotpStore {
  constructor(private readonly kv: KeyValueStore) {}

  /**
   * Marks a step used; false when it, or a later step, already was (a replayed code, or an older
   * code of the window after a newer one). One high-water mark per user, moved by compare-and-set.
   */
  async markStepUsed(userId: string, step: number, ttlMs: number): Promise<boolean> {
    const key = `basic:totp-used:${userId}`;
    for (let attempt = 0; attempt < 5; attempt++) {
      const last = await this.kv.get(key);
      if (last !== null && Number(last) >= step) return false;
      if (await this.kv.compareAndSet(key, last, String(step), { ttlMs })) return true;
    }
    return false;
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
