import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { KeyValueStore } from '@gatehouse/shared';

const PREFIX = 'bearer:oidc:';
const modelKey = (model: string, id: string) => `${PREFIX}${model}:${id}`;
const uidKey = (uid: string) => `${PREFIX}uid:${uid}`;
const grantKey = (grantId: string) => `${PREFIX}grant:${grantId}`;

export interface GrantHooks {
  /** A Grant exists only while this says so (its Gatehouse session is alive). */
  alive(grantId: string): Promise<boolean>;
  /** oidc-provider destroyed the grant (refresh-token or code reuse, revocation, logout): end its Gatehouse session too. */
  revoked(grantId: string): Promise<void>;
}

/**
 * oidc-provider's storage on the shared KeyValueStore (Redis when configured), so any auth-bearer
 * instance can continue a flow another began. Every record expires with the artifact
 * (`expiresIn`); tokens of a grant are indexed so the grant can be revoked as a whole.
 */
export function storeAdapter(store: KeyValueStore, hooks: GrantHooks): new (model: string) => Adapter {
  return class StoreAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const ttlMs = Math.max(1, expiresIn) * 1000;
      const key = modelKey(this.model, id);
      await store.set(key, JSON.stringify(payload), { ttlMs });
      if (payload.grantId) await store.setAdd(grantKey(payload.grantId), [key], ttlMs);
      if (payload.uid) await store.set(uidKey(payload.uid), id, { ttlMs });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const raw = await store.get(modelKey(this.model, id));
      if (!raw) return undefined;
      if (this.model === 'Grant' && !(await hooks.alive(id))) return undefined;
      return JSON.parse(raw) as AdapterPayload;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const id = await store.get(uidKey(uid));
      return id ? this.find(id) : undefined;
    }

    findByUserCode(): Promise<AdapterPayload | undefined> {
      // The device flow is off: there are no user codes.
      return Promise.resolve(undefined);
    }

    /** Marks a single-use artifact (code, rotated refresh token) consumed; compare-and-set so the TTL and any concurrent write survive. */
    async consume(id: string): Promise<void> {
      const key = modelKey(this.model, id);
      for (let attempt = 0; attempt < 5; attempt++) {
        const raw = await store.get(key);
        if (!raw) return;
        const ttl = await store.ttl(key);
        const next = { ...(JSON.parse(raw) as AdapterPayload), consumed: Math.floor(Date.now() / 1000) };
        if (await store.compareAndSet(key, raw, JSON.stringify(next), ttl > 0 ? { ttlMs: ttl } : {})) return;
      }
    }

    async destroy(id: string): Promise<void> {
      await store.del(modelKey(this.model, id));
      if (this.model === 'Grant') await hooks.revoked(id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const keys = await store.setMembers(grantKey(grantId));
      await store.del(...keys, grantKey(grantId));
    }
  };
}
