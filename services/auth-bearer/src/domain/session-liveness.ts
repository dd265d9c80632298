import type { SessionRecord } from './ports.js';

/**
 * A session lives until the first of its absolute end (REFRESH_TOKEN_TTL after it opened) and its
 * idle end (SESSION_IDLE_TTL after its last use); at either instant it is over.
 */
export function isSessionAlive(s: Pick<SessionRecord, 'expires_at' | 'idle_expires_at'>, now: number): boolean {
  return now < s.expires_at && now < s.idle_expires_at;
}

/** The idle end after a use at `now`: SESSION_IDLE_TTL later, never past the absolute end. */
export function idleExpiryAfterUse(s: Pick<SessionRecord, 'expires_at'>, now: number, idleTtlMs: number): number {
  return Math.min(now + idleTtlMs, s.expires_at);
}
