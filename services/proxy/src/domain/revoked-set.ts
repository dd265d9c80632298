import type { AuthPrincipal } from './principal.js';

/**
 * Revoked sessions, credentials (app tokens, access-token ids), API keys (up to a generation) and
 * per-user not-before times, each kept until its own expiry (the longest token lifetime after the
 * revocation).
 */
export class RevokedSet {
  private readonly sessions = new Map<string, number>();
  private readonly tokens = new Map<string, number>();
  /** Revoked session-less access tokens, by `jti` (RFC 7009). */
  private readonly accessTokens = new Map<string, number>();
  private readonly users = new Map<string, { notBefore: number; exp: number }>();
  /** Key id → the highest revoked generation (Infinity: every generation, a deleted key). */
  private readonly apiKeys = new Map<string, { generation: number; exp: number }>();

  addSession(sid: string, exp: number): void {
    this.sessions.set(sid, Math.max(exp, this.sessions.get(sid) ?? 0));
  }

  addToken(id: string, exp: number): void {
    this.tokens.set(id, Math.max(exp, this.tokens.get(id) ?? 0));
  }

  addAccessToken(jti: string, exp: number): void {
    this.accessTokens.set(jti, Math.max(exp, this.accessTokens.get(jti) ?? 0));
  }

  /** Tokens minted from generation `generation` of the key or an earlier one are void until `exp`. */
  addApiKey(id: string, generation: number, exp: number): void {
    const cur = this.apiKeys.get(id);
    this.apiKeys.set(id, { generation: Math.max(generation, cur?.generation ?? 0), exp: Math.max(exp, cur?.exp ?? 0) });
  }

  addUser(userId: string, notBefore: number, exp: number): void {
    const cur = this.users.get(userId);
    this.users.set(userId, { notBefore: Math.max(notBefore, cur?.notBefore ?? 0), exp: Math.max(exp, cur?.exp ?? 0) });
  }

  /** Why `p` is revoked, or null. */
  reason(p: AuthPrincipal, now: number): string | null {
    const { sid, token_id: tokenId, sub } = p.identity;
    if (sid && (this.sessions.get(sid) ?? 0) > now) return 'session revoked';
    if (tokenId && (this.tokens.get(tokenId) ?? 0) > now) return 'credential revoked';
    if (p.jti && (this.accessTokens.get(p.jti) ?? 0) > now) return 'access token revoked';
    if (p.apiKey) {
      const k = this.apiKeys.get(p.apiKey.id);
      if (k && k.exp > now && p.apiKey.generation <= k.generation) return 'api key revoked';
    }
    const u = this.users.get(sub);
    // Compare at the precision the credential's issue time has: JWT iat has whole seconds, so a
    // token issued later in the very second of a "revoke all" (the login right after a password
    // change) must not be refused until it expires. Earlier tokens of that second stay void by sid.
    const cutoff = u ? Math.floor(u.notBefore / p.issuedAtPrecisionMs) * p.issuedAtPrecisionMs : 0;
    if (u && u.exp > now && p.issuedAtMs < cutoff) return 'user revoked';
    return null;
  }

  prune(now: number): void {
    for (const m of [this.sessions, this.tokens, this.accessTokens]) for (const [k, exp] of m) if (exp <= now) m.delete(k);
    for (const [k, u] of this.users) if (u.exp <= now) this.users.delete(k);
    for (const [k, a] of this.apiKeys) if (a.exp <= now) this.apiKeys.delete(k);
  }

  mergeFrom(other: RevokedSet): void {
    for (const [k, v] of other.sessions) this.addSession(k, v);
    for (const [k, v] of other.tokens) this.addToken(k, v);
    for (const [k, v] of other.accessTokens) this.addAccessToken(k, v);
    for (const [k, v] of other.users) this.addUser(k, v.notBefore, v.exp);
    for (const [k, v] of other.apiKeys) this.addApiKey(k, v.generation, v.exp);
  }

  get size(): number {
    return this.sessions.size + this.tokens.size + this.accessTokens.size + this.users.size + this.apiKeys.size;
  }
}
