import {
  GatehouseError,
  REVOCATION_KEYS,
  REVOCATION_SEQUENCE_KEY,
  SUBJECTS,
  parseEvent,
  subscribeEvent,
  type Clock,
  type EventBus,
  type KeyValueStore,
  type Logger,
} from '@gatehouse/shared';
import type { AuthPrincipal } from '../domain/principal.js';
import { RevocationSequence } from '../domain/revocation-sequence.js';
import { RevokedSet } from '../domain/revoked-set.js';

export interface RevocationOptions {
  store: KeyValueStore;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** Fallback to the store once the bus has been down this long. */
  maxStalenessMs: number;
  /** Reuse of a store snapshot while in fallback. */
  storeCacheTtlMs: number;
  /** Entries without an expiry live this long (the longest access-token lifetime). */
  ttlMs: number;
  /** Called for each revocation so caches drop matching successes at once. */
  onRevoked: (match: (p: AuthPrincipal) => boolean) => void;
  /** Called on key rotation (refetch the JWKS). */
  onKeysRotated: () => void;
  onLag?: (ms: number) => void;
}

/** Delay of the second store load after a reconnect (subscription interest spreading over cluster routes). */
const RESYNC_SETTLE_MS = 1000;

/**
 * The proxy's revocation state: NATS events applied as they come, the store's sorted sets loaded
 * at start and after every reconnect, and per-request store checks (briefly cached) once the bus
 * has been down longer than the staleness bound. Store trouble in that mode fails closed.
 *
 * Its own link up does not mean every event arrives: a publisher cut off from NATS still writes
 * its revocation to the store. So the proxy polls the store's revocation sequence every third of
 * the staleness bound; a number no event brought within one poll interval reloads the lists, which
 * puts a missed revocation in force within two intervals (under PROXY_REVOCATION_MAX_STALENESS).
 */
export class Revocation {
  private set = new RevokedSet();
  private loadedAt = 0;
  private snapshot: { at: number; set: RevokedSet } | undefined;
  private snapshotLoading: Promise<RevokedSet> | undefined;
  private readonly unsubs: Array<() => void> = [];
  private pruneTimer: NodeJS.Timeout | undefined;
  /**
   * Since when the in-memory set may lack events: the start of a bus outage, kept after the bus
   * reconnects until the reload from the store has finished. Without it, the moments between the
   * reconnect and the end of that reload would trust a set that misses the outage's revocations.
   */
  private gapSince: number | null = null;
  private resyncTimer: NodeJS.Timeout | undefined;
  private readonly pollMs: number;
  private readonly sequence: RevocationSequence;
  private pollTimer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly o: RevocationOptions) {
    this.pollMs = Math.max(50, Math.floor(o.maxStalenessMs / 3));
    this.sequence = new RevocationSequence(this.pollMs);
  }

  /** Subscribes, then loads the store. Resolves once loaded (readiness). */
  async start(): Promise<void> {
    const s1 = this.o.bus.subscribe(SUBJECTS.revokedAll, (payload, subject) => this.apply(subject, payload));
    const s2 = this.o.bus.subscribe(SUBJECTS.keysRotated, () => this.o.onKeysRotated());
    // Any change of a user (roles, groups, e-mail, status): looked-up credentials (session cookie,
    // password, app token) are asked again at their next use instead of at their cache's expiry.
    // Bearer tokens carry their claims until they expire (ACCESS_TOKEN_TTL).
    const s3 = subscribeEvent(this.o.bus, SUBJECTS.userChanged, this.o.logger, ({ user_id: user }) =>
      this.o.onRevoked((p) => p.identity.sub === user && p.identity.auth_method !== 'bearer'),
    );
    this.unsubs.push(
      () => s1.unsubscribe(),
      () => s2.unsubscribe(),
      () => s3.unsubscribe(),
      this.o.bus.onDisconnect(() => {
        this.gapSince ??= this.o.bus.disconnectedSince() ?? this.o.clock.now();
      }),
      this.o.bus.onReconnect(() => {
        this.o.onKeysRotated();
        this.resync();
        // In a NATS cluster the new server tells the others about our subscriptions over its routes,
        // which takes a moment: an event published on another node meanwhile is dropped there, after
        // the load above read the store. A second load once the interest has spread closes that gap.
        const again = setTimeout(() => this.resync(), RESYNC_SETTLE_MS);
        again.unref();
      }),
    );
    this.pruneTimer = setInterval(() => this.set.prune(this.o.clock.now()), 60_000);
    this.pruneTimer.unref();
    await this.subscriptionsRegistered();
    await this.load();
    this.pollTimer = setInterval(() => void this.pollSequence(), this.pollMs);
    this.pollTimer.unref();
  }

  /** Reads the store's revocation sequence; reloads the lists when it shows a missed event. Store trouble is only logged. */
  private async pollSequence(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const head = Number((await this.o.store.get(REVOCATION_SEQUENCE_KEY)) ?? 0);
      if (this.sequence.missed(head, this.o.clock.now())) {
        this.o.logger.warn({ seq: head, known: this.sequence.known }, 'revocation events missed; reloading the lists');
        await this.load();
      }
    } catch (err) {
      this.o.logger.warn({ err }, 'revocation sequence poll failed');
    } finally {
      this.polling = false;
    }
  }

  /**
   * Waits (bounded) until the bus server has the subscriptions. Otherwise a revocation written to
   * the store after the load below but published before the server saw the subscription would be
   * missed until the next reconnect. A bus that is down is no reason to wait: its reconnect reloads.
   */
  private async subscriptionsRegistered(timeoutMs = 1000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.o.bus.flush().catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  stop(): void {
    for (const u of this.unsubs.splice(0)) u();
    clearInterval(this.pruneTimer);
    clearInterval(this.pollTimer);
    clearTimeout(this.resyncTimer);
  }

  /** Reloads after a reconnect, retried every second while the store fails; closes the gap once done. */
  private resync(): void {
    clearTimeout(this.resyncTimer);
    this.load().then(
      () => {
        if (this.o.bus.disconnectedSince() === null) this.gapSince = null;
      },
      (err: unknown) => {
        this.o.logger.error({ err }, 'revocation resync after reconnect failed; retrying');
        this.resyncTimer = setTimeout(() => this.resync(), 1000);
        this.resyncTimer.unref();
      },
    );
  }

  get loaded(): boolean {
    return this.loadedAt > 0;
  }

  /** Loads every revocation list from the store and merges it (events may have arrived meanwhile). */
  async load(): Promise<void> {
    // The sequence asked first (one connection answers in order): every number up to it has its
    // list entry written already.
    const [head, fresh] = await Promise.all([this.o.store.get(REVOCATION_SEQUENCE_KEY), this.readStore()]);
    const seq = Number(head ?? 0);
    this.set.mergeFrom(fresh);
    this.o.onRevoked((p) => fresh.reason(p, this.o.clock.now()) !== null);
    this.sequence.loaded(seq);
    this.loadedAt = this.o.clock.now();
    this.o.logger.info({ entries: fresh.size }, 'revocation lists loaded');
  }

  /** Null when `p` may pass; the reason otherwise. Throws SERVICE_UNAVAILABLE when it cannot tell. */
  async check(p: AuthPrincipal): Promise<string | null> {
    const now = this.o.clock.now();
    if (!this.loaded) throw new GatehouseError('SERVICE_UNAVAILABLE', { retryAfter: 1, detail: 'revocation lists not loaded yet' });
    const local = this.set.reason(p, now);
    if (local) return local;
    const down = this.gapSince ?? this.o.bus.disconnectedSince();
    if (down === null || now - down <= this.o.maxStalenessMs) return null;
    const snap = await this.storeSnapshot(now);
    return snap.reason(p, now);
  }

  private async storeSnapshot(now: number): Promise<RevokedSet> {
    if (this.snapshot && now - this.snapshot.at < this.o.storeCacheTtlMs) return this.snapshot.set;
    this.snapshotLoading ??= this.readStore().finally(() => (this.snapshotLoading = undefined));
    try {
      const set = await this.snapshotLoading;
      this.snapshot = { at: now, set };
      return set;
    } catch (err) {
      throw new GatehouseError('SERVICE_UNAVAILABLE', { retryAfter: 1, detail: `revocation store: ${(err as Error).message}` });
    }
  }

  private async readStore(): Promise<RevokedSet> {
    const now = this.o.clock.now();
    const out = new RevokedSet();
    const [sessions, users, apps, keys, jtis] = await Promise.all(
      [
        REVOCATION_KEYS.sessions,
        REVOCATION_KEYS.users,
        REVOCATION_KEYS.appTokens,
        REVOCATION_KEYS.apiKeys,
        REVOCATION_KEYS.accessTokens,
      ].map((k) => this.o.store.zRangeByScore(k, now, Number.POSITIVE_INFINITY)),
    );
    for (const m of sessions!) out.addSession(m.member, m.score);
    for (const m of apps!) out.addToken(m.member, m.score);
    for (const m of jtis!) out.addAccessToken(m.member, m.score);
    for (const m of keys!) {
      // Member `key_id:generation` (tokens minted from that generation or an earlier one); a bare id: every generation.
      const i = m.member.lastIndexOf(':');
      const gen = i > 0 ? Number(m.member.slice(i + 1)) : NaN;
      if (Number.isSafeInteger(gen)) out.addApiKey(m.member.slice(0, i), gen, m.score);
      else out.addApiKey(m.member, Number.POSITIVE_INFINITY, m.score);
    }
    for (const m of users!) {
      // Member `user_id:not_before_ms`; a bare user id means "issued before the entry's start".
      const i = m.member.lastIndexOf(':');
      const nb = i > 0 ? Number(m.member.slice(i + 1)) : NaN;
      if (Number.isFinite(nb)) out.addUser(m.member.slice(0, i), nb, m.score);
      else out.addUser(m.member, m.score - this.o.ttlMs, m.score);
    }
    return out;
  }

  /** Applies one `gatehouse.revoked.*` event; a payload outside the contract (events.ts) is logged and dropped. */
  apply(subject: string, payload: Record<string, unknown>): void {
    const event = parseEvent(subject, payload);
    if (!event) return void this.o.logger.warn({ subject }, 'ignoring an event outside the contract');
    const now = this.o.clock.now();
    this.o.onLag?.(Math.max(0, now - event.payload.at));
    if ('seq' in event.payload && typeof event.payload.seq === 'number') this.sequence.saw(event.payload.seq);
    switch (event.subject) {
      case SUBJECTS.revokedSession: {
        const { sid, exp } = event.payload;
        this.set.addSession(sid, exp);
        this.o.onRevoked((p) => p.identity.sid === sid);
        break;
      }
      case SUBJECTS.revokedUser: {
        const { user_id: user, not_before: nb, exp } = event.payload;
        this.set.addUser(user, nb, exp);
        this.o.onRevoked((p) => p.identity.sub === user && p.issuedAtMs < nb);
        // Looked-up credentials (basic, app, session) were checked at issuedAtMs: drop them all.
        this.o.onRevoked((p) => p.identity.sub === user && p.identity.auth_method !== 'bearer');
        break;
      }
      case SUBJECTS.revokedAppToken: {
        const { token_id: id, exp } = event.payload;
        this.set.addToken(id, exp);
        this.o.onRevoked((p) => p.identity.token_id === id);
        break;
      }
      case SUBJECTS.revokedAccessToken: {
        const { token_id: jti, exp } = event.payload;
        this.set.addAccessToken(jti, exp);
        this.o.onRevoked((p) => p.jti === jti);
        break;
      }
      case SUBJECTS.revokedApiKey: {
        // Tokens minted from the key up to `generation` (a refresh keeps the id), or from any generation.
        const { token_id: id, exp, generation = Number.POSITIVE_INFINITY } = event.payload;
        this.set.addApiKey(id, generation, exp);
        this.o.onRevoked((p) => p.apiKey?.id === id && p.apiKey.generation <= generation);
        break;
      }
      default:
        return;
    }
    this.o.logger.info({ subject, event: event.payload.id }, 'revocation applied');
  }
}
