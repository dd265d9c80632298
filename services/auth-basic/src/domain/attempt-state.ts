/**
 * The brute-force state of one subject (an account or an IP), as one value so that a store can
 * swap it atomically (compare-and-set) and the in-memory fallback can change it synchronously.
 *
 * An attempt *reserves* a lease before the password is verified, and the lease turns into a
 * counted failure, is dropped on success, or is released when the attempt ended without a verdict.
 * The rule that makes bursts useless: a new attempt may start while others are in flight only if
 * it would still be a free failure when every in-flight one fails (`failures + inFlight < free`).
 * The attempt that can start a delay always runs alone, so K parallel guesses get no more than a
 * sequence of K guesses would, and never more than `free` before the first delay.
 */
export interface AttemptState {
  /** Failures counted in the current window. */
  f: number;
  /** End of the failure window (epoch ms; it starts at its first failure); 0: none. */
  w: number;
  /** End of the current delay (epoch ms); 0: none. */
  u: number;
  /** Attempts in flight: lease id → lease expiry (epoch ms; a crashed instance's lease ends). */
  l: Record<string, number>;
}

export interface AttemptRules {
  windowMs: number;
  free: number;
  /** Delay started by the failure that brings the count to `failures`; 0: none. */
  delayFor: (failures: number) => number;
  /** How long a reservation holds without an outcome (covers the hash queue and bcrypt). */
  leaseMs: number;
}

/** How long to wait when an in-flight attempt blocks a new one (its verdict comes within a second or so). */
export const IN_FLIGHT_WAIT_MS = 1_000;

export const emptyState = (): AttemptState => ({ f: 0, w: 0, u: 0, l: {} });

/** A copy without expired leases, with the count reset when the window is over. */
export function normalize(s: AttemptState | undefined, now: number): AttemptState {
  if (!s) return emptyState();
  const l: Record<string, number> = {};
  for (const [id, exp] of Object.entries(s.l)) if (exp > now) l[id] = exp;
  const windowOver = s.w <= now;
  return { f: windowOver ? 0 : s.f, w: windowOver ? 0 : s.w, u: s.u > now ? s.u : 0, l };
}

export const inFlight = (s: AttemptState): number => Object.keys(s.l).length;

/** Reserves a lease, or answers how long to wait (ms > 0) without changing anything. */
export function reserve(
  s: AttemptState | undefined,
  now: number,
  rules: AttemptRules,
  leaseId: string,
): { state: AttemptState; waitMs: number } {
  const n = normalize(s, now);
  if (n.u > now) return { state: n, waitMs: n.u - now };
  const running = inFlight(n);
  if (running > 0 && n.f + running >= rules.free)
    return { state: n, waitMs: Math.min(IN_FLIGHT_WAIT_MS, Math.max(1, Math.min(...Object.values(n.l)) - now)) };
  return { state: { ...n, l: { ...n.l, [leaseId]: now + rules.leaseMs } }, waitMs: 0 };
}

/** The attempt failed: its lease (if still held) becomes a counted failure, maybe starting a delay. */
export function fail(s: AttemptState | undefined, now: number, rules: AttemptRules, leaseId: string): AttemptState {
  const n = normalize(s, now);
  delete n.l[leaseId];
  if (n.w === 0) n.w = now + rules.windowMs;
  n.f++;
  const delay = rules.delayFor(n.f);
  if (delay > 0) n.u = Math.max(n.u, now + delay);
  return n;
}

/** The attempt ended without a verdict (e.g. a busy hash queue, a missing TOTP code): drops its lease only. */
export function release(s: AttemptState | undefined, now: number, leaseId: string): AttemptState {
  const n = normalize(s, now);
  delete n.l[leaseId];
  return n;
}

/** A proven password (successful login, reset): forgets failures and delay; other attempts in flight keep their leases. */
export function clearFailures(s: AttemptState | undefined, now: number, leaseId?: string): AttemptState {
  const n = normalize(s, now);
  if (leaseId !== undefined) delete n.l[leaseId];
  return { f: 0, w: 0, u: 0, l: n.l };
}

/** Nothing left to remember (no count, no delay, no lease): the entry can go. */
export function isIdle(s: AttemptState, now: number): boolean {
  const n = normalize(s, now);
  return n.f === 0 && n.u === 0 && inFlight(n) === 0;
}

/** True while the state holds someone back (a delay or an attempt in flight): never evicted. */
export function isHolding(s: AttemptState, now: number): boolean {
  const n = normalize(s, now);
  return n.u > now || inFlight(n) > 0;
}

/** When the state stops holding anyone back (latest of delay and leases). */
export function holdEnds(s: AttemptState, now: number): number {
  const n = normalize(s, now);
  return Math.max(n.u, ...Object.values(n.l));
}

/** When everything in the state is over (window, delay, leases): its TTL in a store. */
export function expiresAt(s: AttemptState): number {
  return Math.max(s.w, s.u, ...Object.values(s.l));
}

/** Parses a stored state; anything malformed reads as a state that refuses for `failClosedMs`. */
export function parseState(raw: string | null, now: number, failClosedMs: number): AttemptState | undefined {
  if (raw === null) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<AttemptState>;
    const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : 0);
    const l: Record<string, number> = {};
    if (v.l && typeof v.l === 'object') for (const [k, e] of Object.entries(v.l)) l[k] = num(e);
    return { f: num(v.f), w: num(v.w), u: num(v.u), l };
  } catch {
    return { f: 0, w: 0, u: now + failClosedMs, l: {} };
  }
}
