import type { AccessTokenClaims, Identity, Principal__Output } from '@gatehouse/shared';

/** Who a request is authenticated as, plus what revocation checks need. */
export interface AuthPrincipal {
  identity: Identity;
  /** When the credential stops being valid (epoch ms; 0: unknown). */
  expiresAtMs: number;
  /** When the credential was issued or, for looked-up credentials, checked (epoch ms). */
  issuedAtMs: number;
  /** Precision of issuedAtMs: 1000 for JWT `iat` (whole seconds), 1 for a lookup's clock. */
  issuedAtPrecisionMs: number;
  /** An access token's `jti` (revoked one by one through RFC 7009 when it has no session). */
  jti?: string;
  /** The API key (and its generation) an access token was minted from (claims api_key_id, api_key_gen). */
  apiKey?: { id: string; generation: number };
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const opt = <K extends string>(k: K, v: unknown): Partial<Record<K, string>> =>
  typeof v === 'string' && v !== '' ? ({ [k]: v } as Record<K, string>) : {};

export function principalFromClaims(c: AccessTokenClaims): AuthPrincipal {
  return {
    identity: {
      sub: c.sub,
      ...opt('email', c.email),
      ...opt('name', c.name),
      roles: list(c.roles),
      groups: list(c.groups),
      scopes: typeof c.scope === 'string' ? c.scope.split(' ').filter(Boolean) : [],
      amr: list(c.amr),
      ...opt('sid', c.sid),
      ...(c.act && typeof c.act.sub === 'string' ? { act: { sub: c.act.sub } } : {}),
      auth_method: 'bearer',
      // Not the jti (kept in `jti` below for revocation): one signed identity header then serves
      // every access token of a session, and a new token costs one verification, not a signature too.
      ...opt('token_id', c.token_id),
      ...opt('client_id', c.client_id),
    },
    expiresAtMs: c.exp * 1000,
    issuedAtMs: c.iat * 1000,
    issuedAtPrecisionMs: 1000,
    ...(typeof c.jti === 'string' && c.jti !== '' ? { jti: c.jti } : {}),
    ...apiKeyOf(c),
  };
}

/** A token minted from an API key names it; a missing or odd generation counts as 0 (refused by any revocation of the key). */
function apiKeyOf(c: AccessTokenClaims): Pick<AuthPrincipal, 'apiKey'> {
  if (typeof c.api_key_id !== 'string' || c.api_key_id === '') return {};
  const gen = typeof c.api_key_gen === 'number' && Number.isSafeInteger(c.api_key_gen) ? c.api_key_gen : 0;
  return { apiKey: { id: c.api_key_id, generation: gen } };
}

/** A gatehouse.v1.Principal from an auth service. */
export function principalFromMessage(p: Principal__Output, method: string, nowMs: number): AuthPrincipal {
  return {
    identity: {
      sub: p.user_id,
      ...opt('email', p.email),
      ...opt('name', p.name),
      roles: list(p.roles),
      groups: list(p.groups),
      scopes: list(p.scopes),
      amr: list(p.amr),
      ...opt('sid', p.sid),
      ...(p.actor ? { act: { sub: p.actor } } : {}),
      auth_method: method,
      ...opt('token_id', p.token_id),
      ...opt('client_id', p.client_id),
    },
    expiresAtMs: Number(p.expires_at_ms),
    issuedAtMs: nowMs,
    issuedAtPrecisionMs: 1,
  };
}
