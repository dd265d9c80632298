import type { Introspection } from '../domain/token-authority.js';

/**
 * The RFC 7662 §2.2 body of an introspection: an active refresh token with its session's subject,
 * client, scope and lifetime; an active access token with its claims; `{active:false}` otherwise.
 */
export function introspectionResponse(r: Introspection, issuer: string): Record<string, unknown> {
  if (!r.active) return { active: false };
  if (r.token_type === 'access_token') return { ...r.claims, active: true, token_type: 'Bearer', username: r.claims.email };
  const s = r.session;
  return {
    active: true,
    token_type: 'refresh_token',
    sub: s.user_id,
    client_id: s.client_id,
    sid: s.id,
    scope: s.scopes.join(' ') || undefined,
    iat: Math.floor(s.created_at / 1000),
    exp: Math.floor(s.expires_at / 1000),
    iss: issuer,
  };
}
