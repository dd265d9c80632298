import type { Clock } from '@gatehouse/shared/clock';
import { ADMIN_ROLE } from '@gatehouse/shared/credentials';
import { GatehouseError } from '@gatehouse/shared/errors';
import { createAccessTokenVerifier, type AccessTokenClaims, type AccessTokenVerifier } from '@gatehouse/shared/jwt';
import type { UserDirectory } from '@gatehouse/shared/users';
import type { AccessTokenIssuer, MintedAccessToken } from './access-tokens.js';
import { authenticateClient } from './client-credentials.js';
import type { ServiceAccount, SessionEvents, SessionRecord, SigningKeys } from './ports.js';
import { isPlausibleToken } from './refresh-token-format.js';
import type { OpenSessionInput, SessionService } from './sessions.js';
import { revokedByUserNotBefore } from './user-not-before.js';

/** The id of an API key (auth-apikey): a UUID, lower case. */
const API_KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A session's tokens as the use cases answer them; transports map it (gRPC TokenSet, Directus JSON). */
export interface TokenSet {
  access_token: string;
  access_token_expires_at_ms: number;
  /** The access token's jti. */
  access_token_id: string;
  refresh_token: string;
  refresh_token_expires_at_ms: number;
  session_id: string;
  token_type: 'Bearer';
  session: SessionRecord;
}

/** What introspection found (RFC 7662 bodies are built from it in http/). */
export type Introspection =
  | { active: true; token_type: 'refresh_token'; session: SessionRecord }
  | { active: true; token_type: 'access_token'; claims: AccessTokenClaims }
  | { active: false };

/** The principal MintAccessToken is asked to mint for (a delegated credential's owner). */
export interface MintPrincipal {
  user_id: string;
  client_id?: string;
  email?: string;
  name?: string;
  roles?: string[];
  groups?: string[];
  amr?: string[];
  actor?: string;
}

export interface AuthorityOptions {
  issuer: string;
  audience: string;
  allowedAudiences: string[];
  clockSkewSec: number;
  maxTokenBytes: number;
  mintMaxTtlMs: number;
  impersonationTtlMs: number;
  serviceAccounts: ServiceAccount[];
}

/**
 * The token authority's use cases: sessions with tokens, session-less tokens, verification with
 * revocation, impersonation and key rotation. Transports (HTTP, gRPC) only translate to and from it.
 */
export class TokenAuthority {
  private readonly verifiers = new Map<string, AccessTokenVerifier>();
  private readonly audiences: Set<string>;

  constructor(
    private readonly deps: {
      sessions: SessionService;
      issuer: AccessTokenIssuer;
      keys: SigningKeys;
      users: UserDirectory;
      events: SessionEvents;
      clock: Clock;
      opts: AuthorityOptions;
    },
  ) {
    this.audiences = new Set([deps.opts.audience, ...deps.opts.allowedAudiences]);
  }

  private audienceOf(requested: string | undefined): string {
    const aud = requested || this.deps.opts.audience;
    if (!this.audiences.has(aud))
      throw new GatehouseError('INVALID_REQUEST', { message: 'Audience not allowed.', detail: `audience ${aud}` });
    return aud;
  }

  private async tokenSet(session: SessionRecord, refreshToken: string): Promise<TokenSet> {
    const at = await this.deps.issuer.mint({
      sub: session.user_id,
      client_id: session.client_id,
      scope: session.scopes,
      sid: session.id,
      amr: session.amr,
      roles: session.roles,
      groups: session.groups,
      email: session.email,
      name: session.name,
    });
    return {
      access_token: at.token,
      access_token_expires_at_ms: at.expiresAtMs,
      access_token_id: at.jti,
      refresh_token: refreshToken,
      refresh_token_expires_at_ms: session.expires_at,
      session_id: session.id,
      token_type: 'Bearer',
      session,
    };
  }

  async openSession(input: OpenSessionInput): Promise<TokenSet> {
    const { session, refreshToken } = await this.deps.sessions.open(input);
    return this.tokenSet(session, refreshToken);
  }

  async refreshSession(refreshToken: string, ctx: { ip?: string | undefined; user_agent?: string | undefined }): Promise<TokenSet> {
    const { session, refreshToken: next } = await this.deps.sessions.refresh(refreshToken, ctx);
    return this.tokenSet(session, next);
  }

  private verifierFor(audience: string): AccessTokenVerifier {
    let v = this.verifiers.get(audience);
    if (!v) {
      const o = this.deps.opts;
      v = createAccessTokenVerifier({
        issuer: o.issuer,
        audience,
        keys: this.deps.keys.keySource(),
        algorithms: ['ES256', 'RS256', 'EdDSA'],
        clockSkewSec: o.clockSkewSec,
        maxTokenBytes: o.maxTokenBytes,
        clock: this.deps.clock,
      });
      this.verifiers.set(audience, v);
    }
    return v;
  }

  /** Verifies an access token this service issued, including revocation (session allow-list, user not-before). */
  async verify(token: string, audience?: string): Promise<AccessTokenClaims> {
    const claims = await this.verifierFor(this.audienceOf(audience))(token);
    if (claims.sid) {
      if (!(await this.deps.sessions.get(claims.sid))) throw new GatehouseError('INVALID_TOKEN', { detail: 'session revoked' });
    } else {
      if (revokedByUserNotBefore(claims.iat, await this.deps.sessions.userNotBefore(claims.sub)))
        throw new GatehouseError('INVALID_TOKEN', { detail: 'user credentials revoked' });
      if (await this.deps.sessions.isAccessTokenRevoked(claims.jti))
        throw new GatehouseError('INVALID_TOKEN', { detail: 'access token revoked' });
    }
    return claims;
  }

  /**
   * Session-less access tokens for auth-app and auth-apikey; the lifetime is capped. `apiKey` names
   * the key (UUID) and generation a token is minted from, so the proxy can revoke by key.
   */
  async mintAccessToken(
    p: MintPrincipal,
    scopes: string[],
    audience: string | undefined,
    ttlSeconds: number,
    apiKey?: { id: string; generation: number },
  ): Promise<MintedAccessToken> {
    if (!p.user_id) throw new GatehouseError('INVALID_PAYLOAD', { message: 'principal.user_id is required.' });
    if (apiKey && (!API_KEY_ID.test(apiKey.id) || !Number.isSafeInteger(apiKey.generation) || apiKey.generation < 1))
      throw new GatehouseError('INVALID_PAYLOAD', { message: 'api_key_id must be a UUID and api_key_generation a positive integer.' });
    const max = this.deps.opts.mintMaxTtlMs;
    const ttlMs = ttlSeconds > 0 ? Math.min(ttlSeconds * 1000, max) : Math.min(max, 15 * 60_000);
    return this.deps.issuer.mint(
      {
        sub: p.user_id,
        client_id: p.client_id || 'gatehouse',
        scope: scopes,
        amr: p.amr,
        roles: p.roles,
        groups: p.groups,
        email: p.email,
        name: p.name,
        actor: p.actor,
        apiKey,
      },
      { ttlMs, audience: this.audienceOf(audience) },
    );
  }

  /** A configured service account acting for a user; every attempt is audited. */
  async impersonate(req: {
    client_id: string;
    client_secret: string;
    target: { id: string } | { email: string };
    scopes: string[];
    audience?: string;
  }): Promise<MintedAccessToken> {
    const target = 'id' in req.target ? req.target.id : req.target.email;
    const refuse = async (
      code: 'INVALID_CREDENTIALS' | 'FORBIDDEN' | 'NOT_FOUND' | 'INSUFFICIENT_SCOPE' | 'INVALID_PAYLOAD',
      reason: string,
    ): Promise<never> => {
      await this.deps.events.audit('impersonation.refused', req.client_id || 'unknown', target || 'unknown', { reason });
      throw new GatehouseError(code, { detail: reason });
    };
    const account = authenticateClient(this.deps.opts.serviceAccounts, req.client_id, req.client_secret);
    if (!account) return refuse('INVALID_CREDENTIALS', 'bad service account credentials');
    if (!target) return refuse('INVALID_PAYLOAD', 'no target user');
    if (account.scopes && !req.scopes.every((s) => account.scopes!.includes(s)))
      return refuse('INSUFFICIENT_SCOPE', 'scope not allowed for this service account');
    const user = await this.deps.users.getUser(req.target);
    if (!user) return refuse('NOT_FOUND', 'no such user');
    if (user.status !== 'active') return refuse('FORBIDDEN', `user is ${user.status || 'inactive'}`);
    if (user.roles.includes(ADMIN_ROLE) && !account.allow_admin_targets)
      return refuse('FORBIDDEN', 'admin targets not allowed for this service account');
    const minted = await this.deps.issuer.mint(
      {
        sub: user.id,
        client_id: account.client_id,
        scope: req.scopes,
        amr: ['svc'],
        roles: user.roles,
        groups: user.groups,
        email: user.email,
        name: user.name,
        actor: account.client_id,
      },
      { ttlMs: this.deps.opts.impersonationTtlMs, audience: this.audienceOf(req.audience) },
    );
    await this.deps.events.audit('impersonation.allowed', account.client_id, user.id, { jti: minted.jti, scopes: req.scopes });
    return minted;
  }

  async rotateKeys(): Promise<{ kid: string; published: string[] }> {
    const res = await this.deps.keys.rotate();
    await this.deps.events.keysRotated(res.kid);
    await this.deps.events.audit('keys.rotated', 'auth-bearer', res.kid);
    return res;
  }

  /** RFC 7662: what a token is while it is active; store outages still fail (never "inactive"). */
  async introspect(token: string, hint?: string): Promise<Introspection> {
    const asRefresh = async (): Promise<Introspection | null> => {
      const session = await this.deps.sessions.findByRefreshToken(token);
      return session ? { active: true, token_type: 'refresh_token', session } : null;
    };
    const asAccess = async (): Promise<Introspection | null> => {
      try {
        return { active: true, token_type: 'access_token', claims: await this.verify(token) };
      } catch (err) {
        if (err instanceof GatehouseError && err.code === 'SERVICE_UNAVAILABLE') throw err;
        return null;
      }
    };
    const order = hint === 'refresh_token' || isPlausibleToken(token) ? [asRefresh, asAccess] : [asAccess, asRefresh];
    for (const f of order) {
      const r = await f();
      if (r) return r;
    }
    return { active: false };
  }

  /**
   * RFC 7009: refresh tokens end their session; session-bound access tokens too; a session-less
   * access token (impersonation, minted for an app token or API key) is revoked by its `jti`.
   * Unknown tokens: nothing.
   */
  async revoke(token: string): Promise<void> {
    if (isPlausibleToken(token)) {
      if (await this.deps.sessions.revokeByRefreshToken(token, 'oauth_revoke')) return;
    }
    try {
      const c = await this.verify(token);
      if (c.sid) await this.deps.sessions.revokeSession(c.sid, 'oauth_revoke');
      else await this.deps.sessions.revokeAccessToken(c.jti, c.sub, c.exp * 1000, this.deps.opts.clockSkewSec * 1000, 'oauth_revoke');
    } catch (err) {
      if (err instanceof GatehouseError && err.code === 'SERVICE_UNAVAILABLE') throw err;
    }
  }
}
