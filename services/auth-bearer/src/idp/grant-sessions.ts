import type { KeyValueStore } from '@gatehouse/shared';
import type { OpenSessionInput } from '../domain/sessions.js';
import type { SessionRecord } from '../store/session-store.js';
import type { IdpSessions } from './ports.js';

const linkKey = (grantId: string) => `bearer:oidc:grant-session:${grantId}`;

/**
 * Ties each grant of the built-in provider to a Gatehouse session. The session is opened when the
 * user consents; every access token of the grant carries its `sid`, so revoking the session (or
 * the user) refuses them at the proxy like any Gatehouse token, and the grant dies with it:
 * no more codes or refreshes. The session's own refresh token is never handed out.
 */
export class GrantSessions {
  constructor(private readonly deps: { store: KeyValueStore; sessions: IdpSessions; ttlMs: number }) {}

  async open(grantId: string, input: OpenSessionInput): Promise<SessionRecord> {
    const { session } = await this.deps.sessions.open(input);
    await this.deps.store.set(linkKey(grantId), session.id, { ttlMs: this.deps.ttlMs });
    return session;
  }

  /** The grant's live Gatehouse session, or null (never linked, revoked, expired). */
  async sessionOf(grantId: string): Promise<SessionRecord | null> {
    const sid = await this.deps.store.get(linkKey(grantId));
    return sid ? this.deps.sessions.get(sid) : null;
  }

  async alive(grantId: string): Promise<boolean> {
    return (await this.sessionOf(grantId)) !== null;
  }

  /** The grant ended at the provider: its session ends too (idempotent). */
  async end(grantId: string, reason: string): Promise<void> {
    const sid = await this.deps.store.take(linkKey(grantId));
    if (sid) await this.deps.sessions.revokeSession(sid, reason);
  }
}
