import { decrypt, encrypt, sha256, type KeyValueStore } from '@gatehouse/shared';
import type { PendingAuthorization, PendingAuthorizations } from '../domain/ports.js';

export const stateKey = (state: string): string => `apikey:state:${sha256(state)}`;

/**
 * Pending authorizations under the SHA-256 of their state (the state itself is never stored), sealed
 * (the PKCE verifier is a secret), expiring after AUTH_APIKEY_STATE_TTL. `take` is atomic, so a state
 * is used once whatever the number of callbacks racing with it.
 */
export class KvPendingAuthorizations implements PendingAuthorizations {
  constructor(
    private readonly store: KeyValueStore,
    private readonly sealKey: Buffer,
    private readonly ttlMs: number,
  ) {}

  async save(state: string, pending: PendingAuthorization): Promise<void> {
    const key = stateKey(state);
    await this.store.set(key, encrypt(this.sealKey, JSON.stringify(pending), key), { ttlMs: this.ttlMs });
  }

  async take(state: string): Promise<PendingAuthorization | null> {
    const key = stateKey(state);
    const raw = await this.store.take(key);
    if (raw === null) return null;
    try {
      const p = JSON.parse(decrypt(this.sealKey, raw, key).toString('utf8')) as Partial<PendingAuthorization>;
      if (typeof p.key_id !== 'string' || typeof p.user_id !== 'string' || typeof p.generation !== 'number') return null;
      return {
        key_id: p.key_id,
        user_id: p.user_id,
        generation: p.generation,
        code_verifier: String(p.code_verifier ?? ''),
        nonce: String(p.nonce ?? ''),
        redirect: String(p.redirect ?? ''),
      };
    } catch {
      return null;
    }
  }
}
