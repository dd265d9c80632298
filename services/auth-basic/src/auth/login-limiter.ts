import { GatehouseError, MemoryStore, isGatehouseError, sha256, type Clock, type KeyValueStore, type Logger } from '@gatehouse/shared';
import { failureDelayMs } from '../domain/backoff.js';

export interface LoginLimiterOptions {
  windowMs: number;
  accountFree: number;
  ipFree: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

type Subject = { kind: 'acct' | 'ip'; id: string };

/**
 * Brute-force brake: failure counters per account and per IP (in the store, shared by every
 * instance), each with a growing delay once its free attempts are spent. Never a permanent
 * lockout: the delay ends, and a successful login or a password reset clears the account's count.
 * When the store is down, the same rules run on a local in-memory store: never "unlimited".
 */
export class LoginLimiter {
  private readonly fallback: MemoryStore;
  private lastWarn = 0;

  constructor(
    private readonly primary: KeyValueStore,
    private readonly clock: Clock,
    private readonly opts: LoginLimiterOptions,
    private readonly logger: Logger,
  ) {
    this.fallback = new MemoryStore(clock);
  }

  private subjects(email: string, ip: string): Subject[] {
    return [
      { kind: 'acct', id: sha256(email) },
      { kind: 'ip', id: (ip || 'unknown').slice(0, 64) },
    ];
  }

  private async withStore<T>(fn: (kv: KeyValueStore) => Promise<T>): Promise<T> {
    try {
      return await fn(this.primary);
    } catch (err) {
      if (!isGatehouseError(err) || err.code !== 'SERVICE_UNAVAILABLE') throw err;
      if (this.clock.now() - this.lastWarn > 10_000) {
        this.lastWarn = this.clock.now();
        this.logger.warn({ detail: err.detail }, 'login limiter store unavailable: using the local fallback limiter');
      }
      return fn(this.fallback);
    }
  }

  /** REQUESTS_EXCEEDED (with Retry-After) while the account or the IP is in its delay. */
  async check(email: string, ip: string): Promise<void> {
    const now = this.clock.now();
    const until = await this.withStore((kv) => kv.mget(this.subjects(email, ip).map((s) => `basic:fail:until:${s.kind}:${s.id}`)));
    const waitMs = Math.max(0, ...until.map((u) => (u ? Number(u) - now : 0)));
    if (waitMs > 0) {
      throw new GatehouseError('REQUESTS_EXCEEDED', { message: 'Too many failed login attempts; try again later.', retryAfter: Math.ceil(waitMs / 1000), detail: `login delay ${waitMs} ms` });
    }
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    await this.withStore(async (kv) => {
      for (const s of this.subjects(email, ip)) {
        const n = await kv.incr(`basic:fail:${s.kind}:${s.id}`, this.opts.windowMs);
        const delay = failureDelayMs(n, { free: s.kind === 'acct' ? this.opts.accountFree : this.opts.ipFree, baseMs: this.opts.baseDelayMs, maxMs: this.opts.maxDelayMs });
        if (delay > 0) await kv.set(`basic:fail:until:${s.kind}:${s.id}`, String(this.clock.now() + delay), { ttlMs: delay });
      }
    });
  }

  /** Clears the account's failures (successful login, password reset). The IP's count stays. */
  async resetAccount(email: string): Promise<void> {
    const id = sha256(email);
    await this.withStore((kv) => kv.del(`basic:fail:acct:${id}`, `basic:fail:until:acct:${id}`));
  }

  async close(): Promise<void> {
    await this.fallback.close();
  }
}
