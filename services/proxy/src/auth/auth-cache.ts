import { LRUCache } from 'lru-cache';
import type { Clock } from '@gatehouse/shared';
import type { AuthPrincipal } from '../domain/principal.js';

/**
 * Successful authentications, bounded in size and time. Keys are digests of credentials, never
 * the credentials. `evict` drops entries matching a revocation at once.
 */
export class AuthCache {
  private readonly lru: LRUCache<string, { p: AuthPrincipal; until: number }> | undefined;
  hits = 0;
  misses = 0;

  constructor(
    readonly name: string,
    max: number,
    private readonly clock: Clock,
  ) {
    this.lru = max > 0 ? new LRUCache({ max }) : undefined;
  }

  get(key: string): AuthPrincipal | undefined {
    const e = this.lru?.get(key);
    if (e && e.until > this.clock.now()) {
      this.hits++;
      return e.p;
    }
    if (e) this.lru!.delete(key);
    this.misses++;
    return undefined;
  }

  /** Caches until `untilMs` (never past the credential's own expiry). */
  set(key: string, p: AuthPrincipal, untilMs: number): void {
    const until = p.expiresAtMs > 0 ? Math.min(untilMs, p.expiresAtMs) : untilMs;
    if (until > this.clock.now()) this.lru?.set(key, { p, until });
  }

  evict(match: (p: AuthPrincipal) => boolean): number {
    if (!this.lru) return 0;
    let n = 0;
    for (const [k, v] of this.lru.entries()) {
      if (match(v.p)) {
        this.lru.delete(k);
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.lru?.size ?? 0;
  }
}
