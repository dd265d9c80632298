import type { Clock } from '@gatehouse/shared/clock';
import { GatehouseError } from '@gatehouse/shared/errors';
import type { AuditSink } from '@gatehouse/shared/events';
import type { Versioned } from '@gatehouse/shared/store';
import { assertActiveOwner, type UserDirectory } from '@gatehouse/shared/users';
import { newAuthorizationSecrets, type AuthorizationSecrets } from './authorization-secrets.js';
import { changeKey } from './change-key.js';
import { checkFinalRedirect } from './final-redirect.js';
import { apiKeyDigest, mintApiKey } from './key-format.js';
import { newKeyId } from './key-id.js';
import { normalizeKeyName } from './key-name.js';
import { checkKeyScopes } from './key-scopes.js';
import {
  IdpError,
  type ApiKeyRecord,
  type IdentityProvider,
  type KeyRepository,
  type KeyRevocations,
  type PendingAuthorizations,
} from './ports.js';

export interface ApiKeyOptions {
  /** deriveKey(GATEHOUSE_SECRET, 'api-keys'). */
  digestKey: Buffer;
  /** AUTH_APIKEY_SCOPES. */
  allowedScopes: string[];
  /** AUTH_APIKEY_REDIRECT_ALLOW_LIST. */
  redirectAllowList: string[];
  maxKeysPerUser: number;
  maxNameLength: number;
}

export interface ApiKeyDeps {
  keys: KeyRepository;
  pending: PendingAuthorizations;
  idp: IdentityProvider;
  users: UserDirectory;
  revocations: KeyRevocations;
  audit: AuditSink;
  clock: Clock;
}

/** A key as CreateAPIKey and RefreshAPIKey answer it: the only two times the key itself is shown. */
export interface IssuedKey {
  apiKey: string;
  record: ApiKeyRecord;
  authorizeURL: string;
}

const notFound = () => new GatehouseError('NOT_FOUND', { message: 'API key not found.' });

/**
 * The API-key rules a signed-in user drives: create, refresh, read, rename, delete; and what happens
 * to a user's keys when the user goes away. Keys belong to their creator: another user's key is
 * NOT_FOUND, exactly like an unknown one. Transports only translate.
 */
export class ApiKeys {
  constructor(
    private readonly deps: ApiKeyDeps,
    private readonly opts: ApiKeyOptions,
  ) {}

  /** A new key (UNAUTHORIZED) and the URL at the IdP where its creator authorizes it. */
  async create(callerId: string, input: { name: unknown; scopes: readonly unknown[]; finalFrontendRedirect: unknown }): Promise<IssuedKey> {
    // Everything the caller sent is checked before any lookup, so bad input fails alike for everyone.
    const name = normalizeKeyName(input.name, this.opts.maxNameLength);
    const scopes = checkKeyScopes(input.scopes, this.opts.allowedScopes);
    const redirect = checkFinalRedirect(input.finalFrontendRedirect, this.opts.redirectAllowList);
    assertActiveOwner(await this.deps.users.getUser({ id: callerId }));
    const secrets = newAuthorizationSecrets();
    // The IdP is asked first: when it cannot be reached, nothing is stored.
    const authorizeURL = await this.authorizationUrl(secrets);
    const now = this.deps.clock.now();
    for (let attempt = 0; attempt < 3; attempt++) {
      const id = newKeyId();
      const apiKey = mintApiKey(id);
      const record: ApiKeyRecord = {
        id,
        user_id: callerId,
        name,
        digest: apiKeyDigest(this.opts.digestKey, apiKey),
        scopes,
        created: now,
        last_used: 0,
        status: 'UNAUTHORIZED',
        error: '',
        generation: 1,
        grant: null,
      };
      const inserted = await this.deps.keys.insert(record, this.opts.maxKeysPerUser);
      if (inserted === 'limit') {
        throw new GatehouseError('CONFLICT', {
          message: `A user may have at most ${this.opts.maxKeysPerUser} API keys; delete unused ones first.`,
        });
      }
      if (inserted === 'taken') continue;
      await this.deps.pending.save(secrets.state, {
        key_id: id,
        user_id: callerId,
        generation: 1,
        code_verifier: secrets.codeVerifier,
        nonce: secrets.nonce,
        redirect,
      });
      await this.deps.audit.record({ action: 'api_key.create', actor: callerId, subject: callerId, key_id: id, scopes });
      return { apiKey, record, authorizeURL };
    }
    throw new GatehouseError('INTERNAL', { detail: 'could not allocate a unique api-key id' });
  }

  /**
   * A new secret under the same id, name and scopes kept. The key is UNAUTHORIZED again until its
   * creator authorizes it; the old secret stops working at once and the tokens minted from it (this
   * generation and earlier) are revoked at the proxies.
   */
  async refresh(callerId: string, keyId: string, finalFrontendRedirect: unknown): Promise<IssuedKey> {
    const redirect = checkFinalRedirect(finalFrontendRedirect, this.opts.redirectAllowList);
    const found = await this.owned(callerId, keyId);
    assertActiveOwner(await this.deps.users.getUser({ id: callerId }));
    const secrets = newAuthorizationSecrets();
    const authorizeURL = await this.authorizationUrl(secrets);
    const apiKey = mintApiKey(keyId);
    let previous = found.record;
    const record = await changeKey(
      this.deps.keys,
      keyId,
      (cur) => {
        previous = cur;
        return {
          ...cur,
          digest: apiKeyDigest(this.opts.digestKey, apiKey),
          status: 'UNAUTHORIZED',
          error: '',
          generation: cur.generation + 1,
          grant: null,
        };
      },
      found,
    );
    if (!record) throw notFound();
    await this.deps.revocations.revoke(keyId, callerId, previous.generation);
    await this.deps.pending.save(secrets.state, {
      key_id: keyId,
      user_id: callerId,
      generation: record.generation,
      code_verifier: secrets.codeVerifier,
      nonce: secrets.nonce,
      redirect,
    });
    await this.deps.audit.record({
      action: 'api_key.refresh',
      actor: callerId,
      subject: callerId,
      key_id: keyId,
      generation: record.generation,
    });
    return { apiKey, record, authorizeURL };
  }

  async get(callerId: string, keyId: string): Promise<ApiKeyRecord> {
    return (await this.owned(callerId, keyId)).record;
  }

  /** The caller's keys, oldest first. Stale index entries are dropped on the way. */
  async list(callerId: string): Promise<ApiKeyRecord[]> {
    const ids = await this.deps.keys.idsOf(callerId);
    if (ids.length === 0) return [];
    const records = await this.deps.keys.getMany(ids);
    const stale = ids.filter((_, i) => records[i]?.user_id !== callerId);
    if (stale.length > 0) await this.deps.keys.forget(callerId, stale);
    return records
      .filter((r): r is ApiKeyRecord => r !== null && r.user_id === callerId)
      .sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1));
  }

  /** UpdateAPIKey: the name only. */
  async rename(callerId: string, keyId: string, name: unknown): Promise<ApiKeyRecord> {
    const next = normalizeKeyName(name, this.opts.maxNameLength);
    const found = await this.owned(callerId, keyId);
    const record = await changeKey(this.deps.keys, keyId, (cur) => ({ ...cur, name: next }), found);
    if (!record) throw notFound();
    return record;
  }

  /** Deletes the key and revokes every token minted from it. */
  async delete(callerId: string, keyId: string): Promise<void> {
    const found = await this.owned(callerId, keyId);
    if (!(await this.deps.keys.remove(found.record))) throw notFound();
    await this.deps.revocations.revoke(keyId, callerId);
    await this.deps.audit.record({ action: 'api_key.delete', actor: callerId, subject: callerId, key_id: keyId });
  }

  /**
   * The owner is gone or no longer active: `deleted` removes the keys, anything else keeps them as
   * REVOKED (a refresh, once the user is active again, starts over). Tokens minted from them are
   * revoked either way. Returns how many keys were affected.
   */
  async revokeAllOf(userId: string, deleteKeys: boolean): Promise<number> {
    const keys = await this.list(userId);
    for (const k of keys) {
      if (deleteKeys) {
        // Revoked before it disappears: a key no longer listed is always one the proxies refuse.
        await this.deps.revocations.revoke(k.id, userId);
        await this.deps.keys.remove(k);
      } else {
        const revoked = await changeKey(this.deps.keys, k.id, (cur) =>
          cur.status === 'REVOKED' ? null : { ...cur, status: 'REVOKED', error: '', grant: null },
        );
        await this.deps.revocations.revoke(k.id, userId, revoked?.generation ?? k.generation);
      }
    }
    if (keys.length > 0)
      await this.deps.audit.record({
        action: deleteKeys ? 'api_key.delete_all' : 'api_key.revoke_all',
        actor: 'gatehouse',
        subject: userId,
        keys: keys.length,
      });
    return keys.length;
  }

  private async authorizationUrl(secrets: AuthorizationSecrets): Promise<string> {
    try {
      return await this.deps.idp.authorizationUrl(secrets);
    } catch (err) {
      if (!(err instanceof IdpError)) throw err;
      throw new GatehouseError('SERVICE_UNAVAILABLE', {
        retryAfter: 5,
        message: 'The identity provider that authorizes API keys cannot be reached; retry later.',
        detail: `authorization URL: ${err.message}`,
        cause: err,
      });
    }
  }

  private async owned(callerId: string, keyId: string): Promise<Versioned<ApiKeyRecord>> {
    const found = await this.deps.keys.get(keyId);
    if (!found || found.record.user_id !== callerId) throw notFound();
    return found;
  }
}
