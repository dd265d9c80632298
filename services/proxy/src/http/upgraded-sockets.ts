import type { Logger } from '@gatehouse/shared';
import type { AuthPrincipal } from '../domain/principal.js';

interface Open {
  principal: AuthPrincipal;
  close: (why: string) => void;
}

/**
 * Upgraded (WebSocket) connections and the credential each was admitted with. A revocation closes
 * the matching ones at once (closeMatching, called with each revocation event and store reload);
 * a sweep every `sweepMs` asks the revocation check again, so the store fallback (bus down past
 * PROXY_REVOCATION_MAX_STALENESS) closes them within the bound of plain requests plus one sweep.
 * A check that cannot tell (store down in fallback) closes the connection: fail closed, as a request
 * would be refused.
 */
export class UpgradedSockets {
  private readonly open = new Set<Open>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;

  constructor(
    private readonly check: (p: AuthPrincipal) => Promise<string | null>,
    private readonly sweepMs: number,
    private readonly logger: Logger,
  ) {}

  /** Tracks an authenticated connection; `close` ends both sides. Returns the untrack function. */
  add(principal: AuthPrincipal, close: (why: string) => void): () => void {
    const entry: Open = { principal, close };
    this.open.add(entry);
    if (!this.timer) {
      this.timer = setInterval(() => void this.sweep(), this.sweepMs);
      this.timer.unref();
    }
    return () => this.remove(entry);
  }

  /** Closes the connections whose credential matches a revocation. */
  closeMatching(match: (p: AuthPrincipal) => boolean): number {
    let n = 0;
    for (const e of [...this.open])
      if (match(e.principal)) {
        this.end(e, 'credential revoked');
        n++;
      }
    return n;
  }

  /** Asks the revocation check for every open connection (the store fallback path). */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      for (const e of [...this.open]) {
        const why = await this.check(e.principal).catch((err: unknown) => `revocation unknown: ${(err as Error).message}`);
        if (why !== null && this.open.has(e)) this.end(e, why);
      }
    } finally {
      this.sweeping = false;
    }
  }

  get size(): number {
    return this.open.size;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private end(e: Open, why: string): void {
    this.remove(e);
    this.logger.info({ sub: e.principal.identity.sub, sid: e.principal.identity.sid, why }, 'closed an upgraded connection');
    e.close(why);
  }

  private remove(e: Open): void {
    this.open.delete(e);
    if (this.open.size === 0) this.stop();
  }
}
