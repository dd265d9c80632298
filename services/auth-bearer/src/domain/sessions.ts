import { randomUUID } from 'node:crypto';
import type { Clock } from '@gatehouse/shared/clock';
import { decrypt, deriveKey, encrypt, randomToken, sha256 } from '@gatehouse/shared/crypto';
import { GatehouseError } from '@gatehouse/shared/errors';
import type { DirectoryUser, UserDirectory } from '@gatehouse/shared/users';
import type { ExternalSessionLink, RefreshRecord, SessionEvents, SessionRecord, SessionRepository } from './ports.js';
import { isPlausibleToken } from './refresh-token-format.js';
import { idleExpiryAfterUse, isSessionAlive } from './session-liveness.js';

export { isPlausibleToken } from './refresh-token-format.js';

export interface SessionPolicy {
  refreshTtlMs: number;
  idleTtlMs: number;
  graceMs: number;
  maxSessionsPerUser: number;
  /** How long user-wide revocation markers are kept (longest token lifetime). */
  retentionMs: number;
}

export interface OpenSessionInput {
  user_id: string;
  email?: string | undefined;
  name?: string | undefined;
  roles?: string[] | undefined;
  groups?: string[] | undefined;
  client_id: string;
  amr: string[];
  scopes: string[];
  ip: string;
  user_agent: string;
  /** The provider session of an SSO login. */
  external?: ExternalSessionLink | undefined;
}

export interface SessionWithToken {
  session: SessionRecord;
  /** The refresh token's value; only the holder has it, the store keeps its digest. */
  refreshToken: string;
}

const invalidToken = (detail: string) => new GatehouseError('INVALID_TOKEN', { detail });
/** The account fields a session carries, from the directory (or another session record). */
const accountOf = (u: Pick<DirectoryUser, 'email' | 'name' | 'roles' | 'groups'>) => ({
  email: u.email,
  name: u.name,
  roles: u.roles,
  groups: u.groups,
});
const MAX_TEXT = 512;
const clip = (s: string | undefined) => (s ?? '').slice(0, MAX_TEXT);

/**
 * Sessions and refresh-token families. Sessions are an allow-list; every refresh rotates the token
 * with compare-and-set; presenting a rotated token outside the grace window revokes the family
 * (RFC 9700 §4.14.2); inside it, the same successor is handed out again.
 */
export class SessionService {
  private readonly graceKey: Buffer;

  constructor(
    private readonly deps: {
      sessions: SessionRepository;
      users: UserDirectory;
      events: SessionEvents;
      clock: Clock;
      secret: string;
      policy: SessionPolicy;
    },
  ) {
    this.graceKey = deriveKey(deps.secret, 'refresh-grace');
  }

  private remaining(s: SessionRecord): number {
    return Math.max(1, s.expires_at - this.deps.clock.now());
  }

  async open(input: OpenSessionInput): Promise<SessionWithToken> {
    if (!input.user_id) throw new GatehouseError('INVALID_PAYLOAD', { message: 'principal.user_id is required.' });
    const { sessions, clock, policy } = this.deps;
    const now = clock.now();
    const session: SessionRecord = {
      id: randomUUID(),
      user_id: input.user_id,
      client_id: input.client_id || 'gatehouse',
      amr: input.amr,
      scopes: input.scopes,
      email: input.email ?? '',
      name: input.name ?? '',
      roles: input.roles ?? [],
      groups: input.groups ?? [],
      created_at: now,
      last_used_at: now,
      expires_at: now + policy.refreshTtlMs,
      idle_expires_at: idleExpiryAfterUse({ expires_at: now + policy.refreshTtlMs }, now, policy.idleTtlMs),
      ip: clip(input.ip),
      user_agent: clip(input.user_agent),
      ...(input.external ? { external: input.external } : {}),
    };
    const refreshToken = randomToken(32);
    await sessions.putRefresh(sha256(refreshToken), { sid: session.id, state: 'active' }, policy.refreshTtlMs);
    if (!(await sessions.createSession(session, policy.refreshTtlMs)))
      throw new GatehouseError('CONFLICT', { detail: 'session id collision' });
    await this.enforceSessionLimit(session.user_id);
    return { session, refreshToken };
  }

  /** Ends the oldest sessions of a user beyond the configured maximum. */
  private async enforceSessionLimit(userId: string): Promise<void> {
    const ids = await this.deps.sessions.userSessionIds(userId);
    if (ids.length <= this.deps.policy.maxSessionsPerUser) return;
    const live = (await Promise.all(ids.map(async (id) => (await this.deps.sessions.getSession(id))?.value ?? null))).filter(
      (s): s is SessionRecord => s !== null,
    );
    const stale = ids.filter((id) => !live.some((s) => s.id === id));
    if (stale.length > 0) await this.deps.sessions.forgetUserSessions(userId, stale);
    live.sort((a, b) => a.created_at - b.created_at);
    for (const s of live.slice(0, Math.max(0, live.length - this.deps.policy.maxSessionsPerUser)))
      await this.revokeSession(s.id, 'session_limit');
  }

  private checkAlive(s: SessionRecord): void {
    if (!isSessionAlive(s, this.deps.clock.now()))
      throw new GatehouseError('TOKEN_EXPIRED', { message: 'Session expired.', detail: `session ${s.id} expired` });
  }

  /** The session a refresh token belongs to, when the token is current (or inside its grace window). */
  async findByRefreshToken(token: string): Promise<SessionRecord | null> {
    if (!isPlausibleToken(token)) return null;
    const rec = await this.deps.sessions.getRefresh(sha256(token));
    if (!rec) return null;
    if (rec.value.state === 'rotated' && !this.inGrace(rec.value)) return null;
    return this.get(rec.value.sid);
  }

  async get(sid: string): Promise<SessionRecord | null> {
    const s = await this.deps.sessions.getSession(sid);
    return s && isSessionAlive(s.value, this.deps.clock.now()) ? s.value : null;
  }

  /**
   * The session as it stands for its user now: the account fields (roles, groups, e-mail, name) read
   * from the directory on every lookup, so a role change reaches a browser session at the caller's
   * next lookup, not at its next refresh. A user no longer active (or gone) ends the session and
   * is refused; a directory outage throws (never the stale claims stored at login).
   */
  async current(s: SessionRecord): Promise<SessionRecord> {
    const user = await this.deps.users.getUser({ id: s.user_id });
    if (!user || user.status !== 'active') {
      await this.revokeSession(s.id, user ? `user_${user.status || 'inactive'}` : 'user_missing');
      throw invalidToken(`user ${s.user_id} is not active`);
    }
    return { ...s, ...accountOf(user) };
  }

  /** Marks a session used (at most once a minute), extending its idle expiry and storing its current account fields. */
  async touch(s: SessionRecord): Promise<void> {
    const now = this.deps.clock.now();
    if (now - s.last_used_at < 60_000) return;
    const cur = await this.deps.sessions.getSession(s.id);
    if (!cur) return;
    const next = {
      ...cur.value,
      ...accountOf(s),
      last_used_at: now,
      idle_expires_at: idleExpiryAfterUse(cur.value, now, this.deps.policy.idleTtlMs),
    };
    await this.deps.sessions.replaceSession(cur.raw, next, this.remaining(next));
  }

  private inGrace(r: Extract<RefreshRecord, { state: 'rotated' }>): boolean {
    const g = this.deps.policy.graceMs;
    return g > 0 && this.deps.clock.now() - r.rotated_at <= g;
  }

  /** Rotates a refresh token: a new token for the same session, the old one rotated. */
  async refresh(token: string, ctx: { ip?: string | undefined; user_agent?: string | undefined }): Promise<SessionWithToken> {
    if (!isPlausibleToken(token)) throw invalidToken('malformed refresh token');
    const { sessions, clock, policy } = this.deps;
    const digest = sha256(token);
    for (let attempt = 0; attempt < 4; attempt++) {
      const rec = await sessions.getRefresh(digest);
      if (!rec) throw invalidToken('unknown refresh token');
      const current = await sessions.getSession(rec.value.sid);
      if (!current) throw invalidToken('session revoked');
      this.checkAlive(current.value);

      if (rec.value.state === 'rotated') return this.replay(digest, rec.value, current.value);

      // The user must still be allowed in; claims are refreshed from the directory. Checked before
      // the token is consumed, so a directory outage does not cost the client its session.
      const user = await this.deps.users.getUser({ id: current.value.user_id });
      if (!user || user.status !== 'active') {
        await this.revokeSession(current.value.id, user ? `user_${user.status || 'inactive'}` : 'user_missing');
        throw invalidToken(`user ${current.value.user_id} is not active`);
      }

      const next = randomToken(32);
      const nextDigest = sha256(next);
      const ttl = this.remaining(current.value);
      await sessions.putRefresh(nextDigest, { sid: current.value.id, state: 'active' }, ttl);
      if (policy.graceMs > 0) await sessions.putSuccessor(nextDigest, encrypt(this.graceKey, next, nextDigest), policy.graceMs + 1000);
      const won = await sessions.swapRefresh(
        digest,
        rec.raw,
        { sid: current.value.id, state: 'rotated', rotated_at: clock.now(), next: nextDigest },
        ttl,
      );
      if (!won) {
        // Someone else rotated this token at the same moment: drop ours and take the replay path.
        await sessions.deleteRefresh(nextDigest);
        continue;
      }
      const session = await this.recordUse(current.value.id, user, ctx);
      if (!session) {
        await sessions.deleteRefresh(nextDigest);
        throw invalidToken('session revoked during refresh');
      }
      return { session, refreshToken: next };
    }
    throw new GatehouseError('SERVICE_UNAVAILABLE', { detail: 'refresh kept racing', retryAfter: 1 });
  }

  /** A rotated token again: the same successor inside the grace window, else reuse → revoke the family. */
  private async replay(
    digest: string,
    rec: Extract<RefreshRecord, { state: 'rotated' }>,
    session: SessionRecord,
  ): Promise<SessionWithToken> {
    if (this.inGrace(rec)) {
      const sealed = await this.deps.sessions.getSuccessor(rec.next);
      if (sealed) {
        const successor = decrypt(this.graceKey, sealed, rec.next).toString('utf8');
        return { session, refreshToken: successor };
      }
    }
    await this.revokeSession(session.id, 'refresh_token_reuse');
    await this.deps.events.refreshTokenReused(session, digest);
    throw invalidToken('refresh token reuse');
  }

  private async recordUse(
    sid: string,
    user: DirectoryUser,
    ctx: { ip?: string | undefined; user_agent?: string | undefined },
  ): Promise<SessionRecord | null> {
    const now = this.deps.clock.now();
    for (let attempt = 0; attempt < 8; attempt++) {
      const cur = await this.deps.sessions.getSession(sid);
      if (!cur) return null;
      const next: SessionRecord = {
        ...cur.value,
        ...accountOf(user),
        last_used_at: now,
        idle_expires_at: idleExpiryAfterUse(cur.value, now, this.deps.policy.idleTtlMs),
        ...(ctx.ip ? { ip: clip(ctx.ip) } : {}),
        ...(ctx.user_agent ? { user_agent: clip(ctx.user_agent) } : {}),
      };
      if (await this.deps.sessions.replaceSession(cur.raw, next, this.remaining(next))) return next;
    }
    throw new GatehouseError('SERVICE_UNAVAILABLE', { detail: 'session update kept racing', retryAfter: 1 });
  }

  /** Ends a session (its whole refresh family). Returns whether it existed. Idempotent. */
  async revokeSession(sid: string, reason: string): Promise<boolean> {
    const s = await this.deps.sessions.deleteSession(sid);
    if (!s) return false;
    await this.deps.events.sessionRevoked(sid, s.user_id);
    await this.deps.events.audit('session.revoked', s.user_id, sid, { reason });
    return true;
  }

  /** Ends the session a refresh token belongs to (rotated tokens too). Unknown tokens: false. */
  async revokeByRefreshToken(token: string, reason: string): Promise<boolean> {
    if (!isPlausibleToken(token)) return false;
    const rec = await this.deps.sessions.getRefresh(sha256(token));
    if (!rec) return false;
    return this.revokeSession(rec.value.sid, reason);
  }

  /** Ends every session of a user and voids their session-less tokens issued until now. */
  async revokeUser(userId: string, reason: string): Promise<number> {
    if (!userId) throw new GatehouseError('INVALID_PAYLOAD', { message: 'user_id is required.' });
    const ids = await this.deps.sessions.userSessionIds(userId);
    let n = 0;
    for (const sid of ids) if (await this.revokeSession(sid, reason)) n++;
    const notBefore = this.deps.clock.now();
    await this.deps.sessions.setUserNotBefore(userId, notBefore, this.deps.policy.retentionMs);
    await this.deps.events.userRevoked(userId, notBefore);
    await this.deps.events.audit('user.sessions_revoked', 'auth-bearer', userId, { reason, sessions: n });
    return n;
  }

  async list(userId: string): Promise<SessionRecord[]> {
    const ids = await this.deps.sessions.userSessionIds(userId);
    const out: SessionRecord[] = [];
    const stale: string[] = [];
    for (const id of ids) {
      const s = await this.get(id);
      if (s) out.push(s);
      else stale.push(id);
    }
    if (stale.length > 0) await this.deps.sessions.forgetUserSessions(userId, stale);
    return out.sort((a, b) => b.last_used_at - a.last_used_at);
  }

  /**
   * Revokes one session-less access token (RFC 7009) by its `jti`, for what is left of its life
   * plus `slackMs` (the clock skew verifiers allow): remembered here (verify) and announced to the proxies.
   */
  async revokeAccessToken(jti: string, userId: string, expiresAtMs: number, slackMs: number, reason: string): Promise<void> {
    const ttl = Math.max(1000, expiresAtMs - this.deps.clock.now() + slackMs);
    await this.deps.sessions.revokeAccessToken(jti, ttl);
    await this.deps.events.accessTokenRevoked(jti, userId, ttl);
    await this.deps.events.audit('access_token.revoked', userId, jti, { reason });
  }

  isAccessTokenRevoked(jti: string): Promise<boolean> {
    return this.deps.sessions.isAccessTokenRevoked(jti);
  }

  /** When every session-less token of the user issued before this instant (ms) is void. */
  userNotBefore(userId: string): Promise<number | null> {
    return this.deps.sessions.getUserNotBefore(userId);
  }
}
