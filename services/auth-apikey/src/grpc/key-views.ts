import type { APIKey } from '@gatehouse/shared';
import { keyIdToBytes } from '../domain/key-id.js';
import type { ApiKeyRecord } from '../domain/ports.js';

const timestamp = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 });

/** A key as the seed's APIKey. `key` (the secret) only when just issued; never the digest or the grant. */
export function apiKeyMessage(r: ApiKeyRecord, apiKey = ''): APIKey {
  return {
    metadata: {
      uuid: keyIdToBytes(r.id),
      created: timestamp(r.created),
      lastUsed: r.last_used > 0 ? timestamp(r.last_used) : null,
      key: apiKey,
      scopes: r.scopes,
      status: `KEY_STATUS_${r.status}`,
      error: r.status === 'ERROR' ? r.error : '',
    },
    properties: { name: r.name },
  };
}
