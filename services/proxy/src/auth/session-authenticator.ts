import { GatehouseError, sha256, type Clock, type TokenClient } from '@gatehouse/shared';
import { principalFromMessage, type AuthPrincipal } from '../domain/principal.js';
import type { AuthCache } from './auth-cache.js';
import type { AuthInput, Authenticator } from './authenticator.js';
import { backendError } from './backend-errors.js';

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i === -1) continue;
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** The session cookie (session mode: it holds the session's refresh token), checked with auth-bearer. */
export function createSessionAuthenticator(opts: {
  client: Pick<TokenClient, 'GetSession'>;
  cookieName: string;
  cache: AuthCache;
  ttlMs: number;
  clock: Clock;
}): Authenticator {
  return {
    method: 'session',
    async authenticate(input: AuthInput): Promise<AuthPrincipal | null> {
      const value = readCookie(input.cookie, opts.cookieName);
      if (value === undefined || value === '') return null;
      if (value.length > 4096) throw new GatehouseError('INVALID_CREDENTIALS', { detail: 'session cookie oversized' });
      const key = sha256(value);
      const hit = opts.cache.get(key);
      if (hit) return hit;
      let s;
      try {
        s = await opts.client.GetSession({ refresh_token: value });
      } catch (err) {
        throw backendError(err, 'auth-bearer', 'INVALID_CREDENTIALS');
      }
      if (!s.principal) throw new GatehouseError('INVALID_CREDENTIALS', { detail: 'session without principal' });
      const now = opts.clock.now();
      const p = principalFromMessage(s.principal, 'session', now);
      if (!p.identity.sid && s.id) p.identity.sid = s.id;
      if (!p.identity.sub && s.user_id) p.identity.sub = s.user_id;
      if (p.identity.amr.length === 0) p.identity.amr.push(...s.amr);
      if (Number(s.expires_at_ms) > 0) p.expiresAtMs = Number(s.expires_at_ms);
      opts.cache.set(key, p, now + opts.ttlMs);
      return p;
    },
  };
}
