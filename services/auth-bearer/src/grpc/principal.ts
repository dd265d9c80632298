import type { AccessTokenClaims, Principal__Output } from '@gatehouse/shared';
import type { SessionRecord } from '../domain/ports.js';

/** gatehouse.v1.Principal of a session (GetSession, ListSessions, the TokenSet of a session). */
export function principalFromSession(s: SessionRecord, extra: Partial<Principal__Output> = {}): Principal__Output {
  return {
    user_id: s.user_id,
    email: s.email,
    name: s.name,
    roles: s.roles,
    groups: s.groups,
    amr: s.amr,
    scopes: s.scopes,
    sid: s.id,
    client_id: s.client_id,
    actor: '',
    token_id: '',
    expires_at_ms: s.expires_at,
    auth_method: 'session',
    ...extra,
  };
}

/** gatehouse.v1.Principal of a verified access token (VerifyToken). */
export function principalFromClaims(c: AccessTokenClaims): Principal__Output {
  return {
    user_id: c.sub,
    email: c.email ?? '',
    name: c.name ?? '',
    roles: c.roles ?? [],
    groups: c.groups ?? [],
    amr: c.amr ?? [],
    scopes: typeof c.scope === 'string' && c.scope ? c.scope.split(' ') : [],
    sid: c.sid ?? '',
    client_id: c.client_id,
    actor: c.act?.sub ?? '',
    token_id: c.jti,
    expires_at_ms: c.exp * 1000,
    auth_method: 'bearer',
  };
}
