import { GatehouseError, sha256, type KeyValueStore } from '@gatehouse/shared';
import type { ExternalIdentity, UserRecord } from '../domain/user.js';

const userKey = (id: string) => `basic:user:${id}`;
const emailKey = (email: string) => `basic:user-email:${email}`;
const ALL = 'basic:users';
/** External ids are the provider's strings (any length, any characters): keyed by their digest. */
const identityKey = (i: ExternalIdentity) => `basic:identity:${i.provider}:${sha256(i.external_id)}`;

/**
 * The user directory on the KeyValueStore (Redis or memory): the record as JSON, a unique
 * e-mail index (SET NX) and a sorted set of ids by creation time for listing.
 */
export class UserStore {
  constructor(private readonly kv: KeyValueStore) {}

  async get(id: string): Promise<UserRecord | null> {
    if (!/^[\w-]{1,64}$/.test(id)) return null;
    const raw = await this.kv.get(userKey(id));
    return raw ? (JSON.parse(raw) as UserRecord) : null;
  }

  async getByEmail(email: string): Promise<UserRecord | null> {
    const id = await this.kv.get(emailKey(email));
    return id ? this.get(id) : null;
  }

  async create(u: UserRecord): Promise<void> {
    if (!(await this.kv.set(emailKey(u.email), u.id, { onlyIfAbsent: true }))) {
      throw new GatehouseError('CONFLICT', { message: 'A user with this e-mail already exists.', extensions: { field: 'email' } });
    }
    await this.kv.set(userKey(u.id), JSON.stringify(u));
    await this.kv.zAdd(ALL, u.id, u.created_at_ms);
  }

  /**
   * Read-modify-write with compare-and-set, retried on a concurrent change, so two updates
   * (or two uses of one recovery code) never both win. `mutate` returns the new record.
   */
  async update(id: string, mutate: (u: UserRecord) => UserRecord): Promise<UserRecord> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const raw = await this.kv.get(userKey(id));
      if (!raw) throw new GatehouseError('NOT_FOUND', { message: 'User not found.' });
      const before = JSON.parse(raw) as UserRecord;
      const after = mutate(structuredClone(before));
      if (after.email !== before.email) {
        if (!(await this.kv.set(emailKey(after.email), id, { onlyIfAbsent: true }))) {
          throw new GatehouseError('CONFLICT', { message: 'A user with this e-mail already exists.', extensions: { field: 'email' } });
        }
      }
      if (await this.kv.compareAndSet(userKey(id), raw, JSON.stringify(after))) {
        if (after.email !== before.email) await this.kv.compareAndSet(emailKey(before.email), id, null);
        return after;
      }
      if (after.email !== before.email) await this.kv.compareAndSet(emailKey(after.email), id, null);
    }
    throw new GatehouseError('SERVICE_UNAVAILABLE', { detail: `user ${id} kept changing`, retryAfter: 1 });
  }

  /** The account an external identity is linked to. */
  async getByIdentity(identity: ExternalIdentity): Promise<UserRecord | null> {
    const id = await this.kv.get(identityKey(identity));
    return id ? this.get(id) : null;
  }

  /**
   * Links an external identity to an account: the index entry is claimed first (SET NX), so one
   * identity never belongs to two accounts; CONFLICT when another account holds it or the account
   * already has another identity of that provider. Linking the same identity again is a no-op.
   */
  async linkIdentity(userId: string, identity: ExternalIdentity): Promise<UserRecord> {
    const key = identityKey(identity);
    if (!(await this.kv.set(key, userId, { onlyIfAbsent: true })) && (await this.kv.get(key)) !== userId)
      throw new GatehouseError('CONFLICT', { detail: `identity of ${identity.provider} already linked to another account` });
    try {
      return await this.update(userId, (u) => {
        const mine = (u.identities ?? []).find((i) => i.provider === identity.provider);
        if (mine && mine.external_id !== identity.external_id)
          throw new GatehouseError('CONFLICT', { detail: `account already linked to another ${identity.provider} identity` });
        return mine ? u : { ...u, identities: [...(u.identities ?? []), identity] };
      });
    } catch (err) {
      await this.kv.compareAndSet(key, userId, null);
      throw err;
    }
  }

  async delete(u: UserRecord): Promise<void> {
    await this.kv.del(userKey(u.id));
    for (const i of u.identities ?? []) await this.kv.compareAndSet(identityKey(i), u.id, null);
    await this.kv.compareAndSet(emailKey(u.email), u.id, null);
    await this.kv.zRemove(ALL, [u.id]);
  }

  /** Users by creation time; `cursor` is the last id of the previous page. */
  async list(limit: number, cursor?: string): Promise<{ users: UserRecord[]; next?: string }> {
    const ids = (await this.kv.zRangeByScore(ALL, 0, Number.MAX_SAFE_INTEGER)).map((m) => m.member);
    const start = cursor ? ids.indexOf(cursor) + 1 : 0;
    if (cursor && start === 0) throw new GatehouseError('INVALID_PAYLOAD', { message: 'Unknown cursor.', extensions: { field: 'cursor' } });
    const page = ids.slice(start, start + limit);
    const raws = page.length > 0 ? await this.kv.mget(page.map(userKey)) : [];
    const users = raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as UserRecord);
    const last = page[page.length - 1];
    return start + limit < ids.length && last ? { users, next: last } : { users };
  }
}
