import type { Clock } from '@gatehouse/shared/clock';
import { safeEqual } from '@gatehouse/shared/crypto';
import { GatehouseError } from '@gatehouse/shared/errors';
import {
  assertActiveForLogin,
  assertActiveOwner,
  usernameMatches,
  type DirectoryUser,
  type UserDirectory,
  type UserKey,
} from '@gatehouse/shared/users';
import { parseExpiry } from './expiry.js';
import { normalizeLabel } from './label.js';
import type { AppTokenRecord, AuditSink, RevocationSink, TokenRepository } from './ports.js';
import { parseScopes } from './scopes.js';
import { TOKEN_ID_PATTERN, mintToken, tokenDigest, tokenIdOf } from './token-format.js';

export interface AppTokenOptions {
  /** deriveKey(GATEHOUSE_SECRET, 'app-tokens'). */
  digestKey: Buffer;
  maxExpiryMs: number;
  maxTokensPerUser: number;
  lastUsedIntervalMs: number;
  maxLabelLength: number;
  maxScopes: number;
}

export interface AppTokenDeps {
  tokens: TokenRepository;
  users: UserDirectory;
  revocations: RevocationSink;
  audit: AuditSink;
  clock: Clock;
}

export interface CreateTokenInput {
  /** The owner, by id or by email (the `userName` of the HTTP API and the CLI). */
  user: UserKey;
  expiry: string | undefined;
  label: string | undefined;
  defaultLabel: string;
  scopes?: string | readonly string[] | undefined;
  /** Set when someone other than the owner creates it (impersonation, CLI actor). */
  actorId?: string | undefined;
}

/** The app-token rules: create, list, delete, authenticate. Transports only translate. */
export class AppTokens {
  constructor(
    private readonly deps: AppTokenDeps,
    private readonly opts: AppTokenOptions,
  ) {}

  /** The directory's answer for an id, or for an email (trimmed, lowercased). */
  async resolveUser(key: UserKey): Promise<DirectoryUser | null> {
    return this.deps.users.getUser('id' in key ? key : { email: key.email.trim().toLowerCase() });
  }

  async create(input: CreateTokenInput): Promise<{ token: string; record: AppTokenRecord }> {
    // Validate everything the caller sent before any lookup, so bad input fails the same way for everyone.
    const ttlMs = parseExpiry(input.expiry, this.opts.maxExpiryMs);
    const label = normalizeLabel(input.label, input.defaultLabel, this.opts.maxLabelLength);
    const scopes = parseScopes(input.scopes, this.opts.maxScopes);
    const owner = await this.resolveUser(input.user);
    assertActiveOwner(owner);

    const now = this.deps.clock.now();
    for (let attempt = 0; attempt < 3; attempt++) {
      const { id, token } = mintToken();
      const actor = input.actorId && input.actorId !== owner.id ? input.actorId : '';
      const record: AppTokenRecord = {
        id,
        user_id: owner.id,
        digest: tokenDigest(this.opts.digestKey, token),
        label,
        created: now,
        expires: now + ttlMs,
        last_used: 0,
        scopes,
        created_by: actor,
      };
      const inserted = await this.deps.tokens.insert(record, this.opts.maxTokensPerUser);
      if (inserted === 'limit') throw this.limitReached();
      if (inserted === 'taken') continue; // 64-bit id collision: mint another
      await this.deps.audit.record({
        action: actor ? 'app_token.impersonated_create' : 'app_token.create',
        actor: actor || owner.id,
        subject: owner.id,
        token_id: id,
        label,
        expires: record.expires,
      });
      return { token, record };
    }
    throw new GatehouseError('INTERNAL', { detail: 'could not allocate a unique app-token id' });
  }

  /** The user's live tokens, oldest first. Stale index entries are dropped on the way. */
  async list(userId: string): Promise<AppTokenRecord[]> {
    const live = await this.liveTokens(userId);
    return live.sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1));
  }

  /**
   * Deletes one token by its id or by the token itself. `userId` null: any owner (the CLI,
   * an internal caller). Another user's token is NOT_FOUND, exactly like an unknown one.
   */
  async delete(userId: string | null, tokenOrId: string, actorId?: string): Promise<AppTokenRecord> {
    const id = TOKEN_ID_PATTERN.test(tokenOrId) ? tokenOrId : tokenIdOf(tokenOrId);
    const found = id ? await this.deps.tokens.get(id) : null;
    if (!found || (userId !== null && found.record.user_id !== userId))
      throw new GatehouseError('NOT_FOUND', { message: 'App token not found.' });
    if (!(await this.deps.tokens.remove(found.record))) throw new GatehouseError('NOT_FOUND', { message: 'App token not found.' });
    await this.deps.revocations.revoke(found.record.id, found.record.user_id);
    await this.deps.audit.record({
      action: 'app_token.delete',
      actor: actorId || found.record.user_id,
      subject: found.record.user_id,
      token_id: found.record.id,
    });
    return found.record;
  }

  /**
   * HTTP Basic with an app token: one lookup by the embedded id, an HMAC compared in constant time,
   * expiry checked here (not only by the store's TTL), the owner checked in the directory.
   */
  async authenticate(username: string, token: string): Promise<{ user: DirectoryUser; record: AppTokenRecord }> {
    const id = tokenIdOf(token);
    if (!id || typeof username !== 'string' || username === '') throw new GatehouseError('INVALID_CREDENTIALS');
    const found = await this.deps.tokens.get(id);
    if (!found || !safeEqual(tokenDigest(this.opts.digestKey, token), found.record.digest)) throw new GatehouseError('INVALID_CREDENTIALS');
    const { record } = found;
    const now = this.deps.clock.now();
    if (record.expires <= now) {
      await this.purge(record);
      throw new GatehouseError('TOKEN_EXPIRED');
    }
    const user = await this.deps.users.getUser({ id: record.user_id });
    assertActiveForLogin(user);
    if (!usernameMatches(username, user)) throw new GatehouseError('INVALID_CREDENTIALS', { detail: 'username is not the token owner' });
    if (now - record.last_used >= this.opts.lastUsedIntervalMs) {
      // Compare-and-set: a concurrent delete wins, the record is never written back.
      await this.deps.tokens.update(found, { ...record, last_used: now });
    }
    return { user, record };
  }

  /** Revokes every token of a user; `deleteRecords` false keeps them (disabled users may come back). */
  async revokeAllOf(userId: string, deleteRecords: boolean): Promise<number> {
    const live = await this.liveTokens(userId);
    for (const record of live) {
      if (deleteRecords) await this.deps.tokens.remove(record);
      await this.deps.revocations.revoke(record.id, userId);
    }
    if (deleteRecords) await this.deps.tokens.forget(userId, await this.deps.tokens.idsOf(userId));
    return live.length;
  }

  private async purge(record: AppTokenRecord): Promise<void> {
    if (await this.deps.tokens.remove(record)) await this.deps.revocations.revoke(record.id, record.user_id);
  }

  private async liveTokens(userId: string): Promise<AppTokenRecord[]> {
    const ids = await this.deps.tokens.idsOf(userId);
    if (ids.length === 0) return [];
    const records = await this.deps.tokens.getMany(ids);
    const now = this.deps.clock.now();
    const stale: string[] = [];
    const live: AppTokenRecord[] = [];
    for (const [i, r] of records.entries()) {
      if (!r || r.user_id !== userId) stale.push(ids[i]!);
      else if (r.expires <= now) await this.purge(r);
      else live.push(r);
    }
    if (stale.length > 0) await this.deps.tokens.forget(userId, stale);
    return live;
  }

  private limitReached(): GatehouseError {
    const max = this.opts.maxTokensPerUser;
    return new GatehouseError('CONFLICT', { message: `A user may have at most ${max} app tokens; delete unused ones first.` });
  }
}
