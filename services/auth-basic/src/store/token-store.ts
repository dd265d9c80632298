import { randomToken, sha256, type KeyValueStore } from '@gatehouse/shared';

const resetKey = (digest: string) => `basic:reset:${digest}`;
const resetUserKey = (userId: string) => `basic:reset-user:${userId}`;
const throttleKey = (email: string) => `basic:reset-throttle:${sha256(email)}`;

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

/**
 * Per-address throttle of reset e-mails: one SET NX with a TTL, so concurrent requests (on any
 * instance) let exactly one through per interval. Keyed on the SHA-256 of the normalised e-mail.
 */
export class ResetThrottle {
  constructor(private readonly kv: KeyValueStore) {}

  /** A claim id when this request may send (the interval starts now); null while throttled. */
  async claim(email: string, intervalMs: number): Promise<string | null> {
    const id = randomToken(16);
    return (await this.kv.set(throttleKey(email), id, { onlyIfAbsent: true, ttlMs: intervalMs })) ? id : null;
  }

  /** Gives the slot back (the mail could not go out), only if it is still this claim's. */
  async release(email: string, id: string): Promise<void> {
    await this.kv.compareAndSet(throttleKey(email), id, null);
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
