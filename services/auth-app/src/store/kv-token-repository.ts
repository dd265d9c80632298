import { SlottedRecords, slottedKeys, type Clock, type KeyValueStore } from '@gatehouse/shared';
import type { AppTokenRecord, TokenRepository } from '../domain/ports.js';

/** `app:token:<id>`, `app:user-tokens:<user>`, `app:user-slot:<user>:<n>` (n < AUTH_APP_MAX_TOKENS_PER_USER). */
export const TOKEN_KEYS = slottedKeys('app', 'token', 'user-tokens');

function fromStored(id: string, s: Record<string, unknown>): AppTokenRecord | null {
  if (typeof s.user_id !== 'string' || typeof s.digest !== 'string' || typeof s.expires !== 'number') return null;
  return {
    id,
    user_id: s.user_id,
    digest: s.digest,
    label: typeof s.label === 'string' ? s.label : '',
    created: Number(s.created ?? 0),
    expires: s.expires,
    last_used: Number(s.last_used ?? 0),
    scopes: Array.isArray(s.scopes) ? s.scopes.map(String) : [],
    created_by: typeof s.created_by === 'string' ? s.created_by : '',
  };
}

function toStored(r: AppTokenRecord): Record<string, unknown> {
  return {
    user_id: r.user_id,
    digest: r.digest,
    label: r.label,
    created: r.created,
    expires: r.expires,
    last_used: r.last_used,
    scopes: r.scopes,
    created_by: r.created_by,
  };
}

/**
 * App tokens in the shared KeyValueStore, with the per-user limit of the shared `SlottedRecords`:
 * `app:token:<id>` (JSON, TTL = the token's expiry), `app:user-tokens:<user>` (set of ids, for listing)
 * and `app:user-slot:<user>:<n>` (n < AUTH_APP_MAX_TOKENS_PER_USER; value = the id holding it, TTL = its
 * expiry). `indexTtlMs` keeps the per-user set and the slot hint at least as long as any token they can refer to.
 */
export class KvTokenRepository extends SlottedRecords<AppTokenRecord> implements TokenRepository {
  constructor(store: KeyValueStore, clock: Clock, indexTtlMs: number) {
    super({
      store,
      clock,
      keys: TOKEN_KEYS,
      toStored,
      fromStored,
      expiresAt: (r) => r.expires,
      indexTtlMs,
    });
  }
}
