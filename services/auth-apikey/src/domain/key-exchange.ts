import type { Clock } from '@gatehouse/shared/clock';
import { GatehouseError } from '@gatehouse/shared/errors';
import { addressLimitKey } from '@gatehouse/shared/net';
import type { Versioned } from '@gatehouse/shared/store';
import type { DirectoryUser, UserDirectory } from '@gatehouse/shared/users';
import { changeKey } from './change-key.js';
import { grantFrom, isGrantDue } from './grant-due.js';
import { KEY_ERRORS } from './key-error.js';
import { apiKeyMatches, keyIdOf } from './key-format.js';
import {
  IdpError,
  type ApiKeyRecord,
  type IdentityProvider,
  type KeyRepository,
  type KeyRevocations,
  type Locks,
  type RateLimiter,
  type TokenMinter,
} from './ports.js';

export interface ExchangeOptions {
  digestKey: Buffer;
  /** AUTH_APIKEY_EXCHANGE_RATE_PER_KEY / _PER_ADDRESS (per AUTH_APIKEY_EXCHANGE_RATE_WINDOW). */
  perKeyLimit: number;
  perAddressLimit: number;
  /** AUTH_APIKEY_LAST_USED_INTERVAL. */
  lastUsedIntervalMs: number;
  /** AUTH_APIKEY_GRANT_MAX_AGE. */
  grantMaxAgeMs: number;
}

export interface ExchangeDeps {
  keys: KeyRepository;
  idp: IdentityProvider;
  users: UserDirectory;
  minter: TokenMinter;
  revocations: KeyRevocations;
  limiter: RateLimiter;
  locks: Locks;
  clock: Clock;
}

const invalidKey = (detail: string) => new GatehouseError('INVALID_CREDENTIALS', { message: 'Invalid API key.', detail });
const notUsable = (status: string) =>
  new GatehouseError('FORBIDDEN', {
    message:
      status === 'UNAUTHORIZED' ? 'The API key is not authorized yet: open its authorizeURL.' : `The API key cannot be used (${status}).`,
    extensions: { status: `KEY_STATUS_${status}` },
  });
const tooMany = (retryAfter: number, what: string) =>
  new GatehouseError('REQUESTS_EXCEEDED', { message: `Too many exchanges ${what}; retry later.`, retryAfter });

/**
 * ExchangeKeyForToken: an unauthenticated call. Rate-limited per client address (before any lookup)
 * and per key (after the key proved itself, so nobody can spend someone else's budget). One lookup by
 * the embedded id, the HMAC compared in constant time, the key READY and its creator active, the IdP
 * grant refreshed when due; then auth-bearer mints the creator's token with exactly the key's scopes.
 */
export class KeyExchange {
  constructor(
    private readonly deps: ExchangeDeps,
    private readonly opts: ExchangeOptions,
  ) {}

  async exchange(apiKey: unknown, clientAddress: string): Promise<string> {
    const addrWait = await this.deps.limiter.hit(`addr:${addressLimitKey(clientAddress)}`, this.opts.perAddressLimit);
    if (addrWait > 0) throw tooMany(addrWait, 'from this address');
    const keyId = keyIdOf(apiKey);
    if (!keyId) throw invalidKey('not an API key');
    const found = await this.deps.keys.get(keyId);
    if (!found || !apiKeyMatches(this.opts.digestKey, apiKey as string, found.record.digest))
      throw invalidKey('unknown key or wrong secret');
    const keyWait = await this.deps.limiter.hit(`key:${keyId}`, this.opts.perKeyLimit);
    if (keyWait > 0) throw tooMany(keyWait, 'for this key');

    const { record } = found;
    if (record.status !== 'READY') throw notUsable(record.status);
    const owner = await this.deps.users.getUser({ id: record.user_id });
    if (!owner || owner.status !== 'active') {
      // The user.changed event was missed or is on its way: the directory decides.
      await this.revoke(found, 'REVOKED', '');
      throw notUsable('REVOKED');
    }
    const current = await this.ensureGrant(found);
    const token = await this.mint(owner, current);
    await this.markUsed(current);
    return token;
  }

  private mint(owner: DirectoryUser, record: ApiKeyRecord): Promise<string> {
    return this.deps.minter.mint({ user: owner, scopes: record.scopes, keyId: record.id, generation: record.generation });
  }

  /** last_used at most once per interval (compare-and-set: a concurrent refresh or delete wins). */
  private async markUsed(record: ApiKeyRecord): Promise<void> {
    const now = this.deps.clock.now();
    if (now - record.last_used < this.opts.lastUsedIntervalMs) return;
    const found = await this.deps.keys.get(record.id);
    if (found && found.record.generation === record.generation && found.record.status === 'READY')
      await this.deps.keys.update(found, { ...found.record, last_used: now });
  }

  /**
   * Refreshes the IdP grant when due, one refresher per key (a rotating refresh token is single use).
   * Whoever finds the lock taken goes on with the grant as it is: the refresher decides, and if the
   * IdP says invalid_grant the key turns ERROR and every token of this generation is revoked anyway.
   */
  private async ensureGrant(found: Versioned<ApiKeyRecord>): Promise<ApiKeyRecord> {
    const { record } = found;
    if (!record.grant) {
      await this.revoke(found, 'ERROR', KEY_ERRORS.invalidGrant);
      throw notUsable('ERROR');
    }
    if (!isGrantDue(record.grant, this.deps.clock.now(), this.opts.grantMaxAgeMs)) return record;
    const lock = `grant:${record.id}`;
    if (!(await this.deps.locks.acquire(lock))) return record;
    try {
      let tokens;
      try {
        tokens = await this.deps.idp.refresh(record.grant.refresh_token);
      } catch (err) {
        if (err instanceof IdpError && err.kind === 'invalid_grant') {
          await this.revoke(found, 'ERROR', KEY_ERRORS.invalidGrant);
          throw notUsable('ERROR');
        }
        // Not the key's fault (IdP down, or a refused client): it stays READY, this exchange fails.
        throw new GatehouseError('SERVICE_UNAVAILABLE', {
          retryAfter: 5,
          message: 'The identity provider cannot be reached; retry later.',
          detail: `grant refresh for key ${record.id} failed: ${err instanceof Error ? err.message : String(err)}`,
          cause: err,
        });
      }
      if (tokens.subject !== '' && tokens.subject !== record.grant.subject) {
        await this.revoke(found, 'ERROR', KEY_ERRORS.identityMismatch);
        throw notUsable('ERROR');
      }
      const grant = grantFrom(
        record.grant.subject,
        tokens.refreshToken ?? record.grant.refresh_token,
        tokens.expiresInSec,
        this.deps.clock.now(),
        this.opts.grantMaxAgeMs,
      );
      const next = await changeKey(
        this.deps.keys,
        record.id,
        (cur) => (cur.generation === record.generation && cur.status === 'READY' ? { ...cur, grant } : null),
        found,
      );
      if (!next) throw notUsable('UNAUTHORIZED'); // refreshed or revoked meanwhile
      return next;
    } finally {
      await this.deps.locks.release(lock);
    }
  }

  /** The key stops being usable: its status changes (same generation only) and its tokens are revoked. */
  private async revoke(found: Versioned<ApiKeyRecord>, status: 'ERROR' | 'REVOKED', error: string): Promise<void> {
    const { record } = found;
    await changeKey(
      this.deps.keys,
      record.id,
      (cur) => (cur.generation === record.generation && cur.status === 'READY' ? { ...cur, status, error, grant: null } : null),
      found,
    );
    await this.deps.revocations.revoke(record.id, record.user_id, record.generation);
  }
}
