import { SlottedRecords, decrypt, slottedKeys, encrypt, type Clock, type KeyValueStore } from '@gatehouse/shared';
import type { ApiKeyRecord, KeyGrant, KeyRepository, KeyStatus } from '../domain/ports.js';

/** `apikey:key:<uuid>`, `apikey:user-keys:<user>`, `apikey:user-slot:<user>:<n>` (n < AUTH_APIKEY_MAX_KEYS_PER_USER). */
export const API_KEY_STORE_KEYS = slottedKeys('apikey', 'key', 'user-keys');

const STATUSES: readonly KeyStatus[] = ['UNAUTHORIZED', 'READY', 'ERROR', 'REVOKED'];

/**
 * API keys in the shared KeyValueStore, with the per-user limit of the shared `SlottedRecords`
 * (AUTH_APIKEY_MAX_KEYS_PER_USER, atomic under concurrency): `apikey:key:<uuid>` (JSON: HMAC digest,
 * never the key), `apikey:user-keys:<user>`, `apikey:user-slot:<user>:<n>`. Keys do not expire, so
 * none of these has a TTL. The grant's refresh token is sealed at rest (AES-256-GCM under `sealKey`,
 * bound to the key id); a grant that cannot be opened is dropped (the key then fails closed).
 */
export class KvKeyRepository extends SlottedRecords<ApiKeyRecord> implements KeyRepository {
  constructor(store: KeyValueStore, clock: Clock, sealKey: Buffer) {
    super({
      store,
      clock,
      keys: API_KEY_STORE_KEYS,
      toStored: (r) => ({
        user_id: r.user_id,
        name: r.name,
        digest: r.digest,
        scopes: r.scopes,
        created: r.created,
        last_used: r.last_used,
        status: r.status,
        error: r.error,
        generation: r.generation,
        grant: r.grant ? { ...r.grant, refresh_token: encrypt(sealKey, r.grant.refresh_token, `apikey-grant:${r.id}`) } : null,
      }),
      fromStored: (id, s) => {
        if (typeof s.user_id !== 'string' || typeof s.digest !== 'string' || typeof s.generation !== 'number') return null;
        const status = STATUSES.includes(s.status as KeyStatus) ? (s.status as KeyStatus) : 'ERROR';
        return {
          id,
          user_id: s.user_id,
          name: typeof s.name === 'string' ? s.name : '',
          digest: s.digest,
          scopes: Array.isArray(s.scopes) ? s.scopes.map(String) : [],
          created: Number(s.created ?? 0),
          last_used: Number(s.last_used ?? 0),
          status,
          error: typeof s.error === 'string' ? s.error : '',
          generation: s.generation,
          grant: openGrant(sealKey, id, s.grant),
        };
      },
      expiresAt: () => undefined,
    });
  }
}

function openGrant(sealKey: Buffer, id: string, raw: unknown): KeyGrant | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const g = raw as Partial<KeyGrant>;
  if (typeof g.subject !== 'string' || typeof g.refresh_token !== 'string') return null;
  try {
    return {
      subject: g.subject,
      refresh_token: decrypt(sealKey, g.refresh_token, `apikey-grant:${id}`).toString('utf8'),
      expires_at: Number(g.expires_at ?? 0),
      refreshed_at: Number(g.refreshed_at ?? 0),
    };
  } catch {
    return null; // tampered, or sealed under another secret
  }
}
