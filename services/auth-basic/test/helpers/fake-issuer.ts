import { randomUUID } from 'node:crypto';
import { SignJWT, type CryptoKey } from 'jose';
import { GatehouseError, randomToken, sha256, type Clock } from '@gatehouse/shared';
import type { IssuedSession, OpenSessionInput, SessionIssuer } from '../../src/sessions/session-issuer.js';

interface Session {
  sid: string;
  principal: OpenSessionInput['principal'];
  amr: string[];
  clientId: string;
  refreshDigest: string;
}

/**
 * An in-process TokenService for tests: opens sessions and signs real ES256 at+jwt access
 * tokens, rotates refresh tokens, records revocations. (The lead's e2e tests use the real one.)
 */
export class InProcessSessionIssuer implements SessionIssuer {
  readonly sessions = new Map<string, Session>();
  private readonly byRefresh = new Map<string, string>();
  readonly revokedUsers: Array<{ userId: string; reason: string }> = [];
  readonly revokedSessions: string[] = [];
  readonly opened: OpenSessionInput[] = [];

  constructor(
    private readonly key: { privateKey: CryptoKey; kid: string; alg: string },
    private readonly opts: { issuer: string; audience: string; clock: Clock; accessTtlMs?: number; refreshTtlMs?: number },
  ) {}

  private async issue(s: Session): Promise<IssuedSession> {
    const now = this.opts.clock.now();
    const accessExp = now + (this.opts.accessTtlMs ?? 900_000);
    const p = s.principal;
    const access = await new SignJWT({
      client_id: s.clientId,
      sid: s.sid,
      amr: s.amr,
      roles: p.roles,
      groups: p.groups,
      email: p.email,
      name: p.name,
    })
      .setProtectedHeader({ alg: this.key.alg, kid: this.key.kid, typ: 'at+jwt' })
      .setIssuer(this.opts.issuer)
      .setAudience(this.opts.audience)
      .setSubject(p.user_id)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(accessExp / 1000))
      .setJti(randomUUID())
      .sign(this.key.privateKey);
    const refresh = randomToken(32);
    this.byRefresh.delete(s.refreshDigest);
    s.refreshDigest = sha256(refresh);
    this.byRefresh.set(s.refreshDigest, s.sid);
    const refreshExp = now + (this.opts.refreshTtlMs ?? 7 * 86_400_000);
    return {
      access_token: access,
      access_token_expires_at_ms: accessExp,
      refresh_token: refresh,
      refresh_token_expires_at_ms: refreshExp,
      session_id: s.sid,
      token_type: 'Bearer',
      principal: { ...p, scopes: [], sid: s.sid, client_id: s.clientId, actor: '', token_id: '', expires_at_ms: refreshExp },
    };
  }

  async openSession(input: OpenSessionInput): Promise<IssuedSession> {
    this.opened.push(input);
    const s: Session = { sid: randomUUID(), principal: input.principal, amr: input.amr, clientId: input.clientId, refreshDigest: '' };
    this.sessions.set(s.sid, s);
    return this.issue(s);
  }

  async refresh(refreshToken: string): Promise<IssuedSession> {
    const sid = this.byRefresh.get(sha256(refreshToken));
    const s = sid ? this.sessions.get(sid) : undefined;
    if (!s) throw new GatehouseError('INVALID_TOKEN');
    return this.issue(s);
  }

  async revokeSession(target: { sessionId: string } | { refreshToken: string }): Promise<void> {
    const sid = 'sessionId' in target ? target.sessionId : this.byRefresh.get(sha256(target.refreshToken));
    if (!sid) return;
    const s = this.sessions.get(sid);
    if (s) this.byRefresh.delete(s.refreshDigest);
    this.sessions.delete(sid);
    this.revokedSessions.push(sid);
  }

  async revokeUser(userId: string, reason: string): Promise<void> {
    this.revokedUsers.push({ userId, reason });
    for (const [sid, s] of this.sessions) {
      if (s.principal.user_id === userId) await this.revokeSession({ sessionId: sid });
    }
  }

  sessionsOf(userId: string): number {
    return [...this.sessions.values()].filter((s) => s.principal.user_id === userId).length;
  }

  close(): void {}
}
