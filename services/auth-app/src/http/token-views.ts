import type { AppTokenRecord } from '../domain/ports.js';

const rfc3339 = (ms: number): string => new Date(ms).toISOString();

/** What GET lists: never the token, never its digest. */
export function tokenListItem(r: AppTokenRecord): Record<string, unknown> {
  return {
    id: r.id,
    label: r.label,
    created_date: rfc3339(r.created),
    expiration_date: rfc3339(r.expires),
    last_used: r.last_used > 0 ? rfc3339(r.last_used) : null,
    ...(r.scopes.length > 0 ? { scopes: r.scopes } : {}),
  };
}

/** The one response that carries the token. */
export function createdToken(token: string, r: AppTokenRecord): Record<string, unknown> {
  return {
    token,
    id: r.id,
    label: r.label,
    created_date: rfc3339(r.created),
    expiration_date: rfc3339(r.expires),
    ...(r.scopes.length > 0 ? { scopes: r.scopes } : {}),
  };
}
