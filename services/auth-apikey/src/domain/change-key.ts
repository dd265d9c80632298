import { GatehouseError } from '@gatehouse/shared/errors';
import type { Versioned } from '@gatehouse/shared/store';
import type { ApiKeyRecord, KeyRepository } from './ports.js';

const ATTEMPTS = 5;

/**
 * Applies `change` to a key with compare-and-set, re-reading and re-deciding when another write won
 * (an exchange marking last_used, a concurrent refresh). `change` returns null to leave the key as
 * it is (it no longer qualifies). Returns the stored record, or null when the key is gone or `change`
 * declined: a deleted key is never written back.
 */
export async function changeKey(
  keys: KeyRepository,
  id: string,
  change: (current: ApiKeyRecord) => ApiKeyRecord | null,
  first?: Versioned<ApiKeyRecord>,
): Promise<ApiKeyRecord | null> {
  let cur = first ?? (await keys.get(id));
  for (let i = 0; i < ATTEMPTS && cur; i++) {
    const next = change(cur.record);
    if (!next) return null;
    if (await keys.update(cur, next)) return next;
    cur = await keys.get(id);
  }
  if (!cur) return null;
  throw new GatehouseError('SERVICE_UNAVAILABLE', { retryAfter: 1, detail: `api key ${id} kept changing under compare-and-set` });
}
