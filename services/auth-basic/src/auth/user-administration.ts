import { randomUUID } from 'node:crypto';
import { GatehouseError, type Clock, type Logger, type UserChangeReason } from '@gatehouse/shared';
import { checkPasswordPolicy, type PasswordPolicy } from '../domain/password-policy.js';
import {
  LOCAL_PROVIDER,
  normalizeEmail,
  parseDisplayName,
  parseNameList,
  parseProvider,
  parseStatus,
  type UserRecord,
  type UserStatus,
} from '../domain/user.js';
import type { RevocationOutbox } from '../events/revocation-outbox.js';
import type { PasswordHasher } from '../passwords/password-hasher.js';
import type { UserStore } from '../store/user-store.js';

export interface CreateUserInput {
  email: unknown;
  name?: unknown;
  password?: unknown;
  roles?: unknown;
  groups?: unknown;
  provider?: unknown;
  status?: unknown;
}

export interface UpdateUserInput {
  name?: unknown;
  email?: unknown;
  roles?: unknown;
  groups?: unknown;
  status?: unknown;
  password?: unknown;
}

const REVOKING: Record<UserStatus, UserChangeReason | null> = { active: null, suspended: 'suspended', disabled: 'disabled' };

/**
 * User administration. Every change that must end the user's access (disable, suspend, delete,
 * new password) goes through the revocation outbox: stored, then published as
 * `gatehouse.user.changed` (auth-bearer, auth-app revoke) and sent to TokenService.RevokeUser
 * directly (effect at once, not at the event's arrival), retried until both succeeded. Any other
 * change publishes `updated` (caches of the user are dropped; session lookups read the directory).
 */
export class UserAdministration {
  constructor(
    private readonly deps: {
      users: UserStore;
      hasher: PasswordHasher;
      policy: PasswordPolicy;
      outbox: Pick<RevocationOutbox, 'deliver'>;
      publish: (userId: string, reason: UserChangeReason) => Promise<void>;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  async create(input: CreateUserInput): Promise<UserRecord> {
    const email = normalizeEmail(input.email);
    const provider = parseProvider(input.provider);
    const now = this.deps.clock.now();
    const u: UserRecord = {
      id: randomUUID(),
      email,
      name: input.name === undefined ? '' : parseDisplayName(input.name),
      roles: input.roles === undefined ? [] : parseNameList(input.roles, 'roles'),
      groups: input.groups === undefined ? [] : parseNameList(input.groups, 'groups'),
      status: input.status === undefined ? 'active' : parseStatus(input.status),
      provider,
      created_at_ms: now,
      updated_at_ms: now,
    };
    if (input.password !== undefined && input.password !== '') {
      if (provider !== LOCAL_PROVIDER)
        throw new GatehouseError('INVALID_PAYLOAD', { message: 'SSO users have no password.', extensions: { field: 'password' } });
      u.password_hash = await this.deps.hasher.hash(checkPasswordPolicy(input.password, this.deps.policy));
      u.password_changed_at_ms = now;
    }
    await this.deps.users.create(u);
    return u;
  }

  async get(key: { id?: string; email?: string }): Promise<UserRecord> {
    const u = key.id ? await this.deps.users.get(key.id) : key.email ? await this.deps.users.getByEmail(normalizeEmail(key.email)) : null;
    if (!u) throw new GatehouseError('NOT_FOUND', { message: 'User not found.' });
    return u;
  }

  list(limit: number, cursor?: string): Promise<{ users: UserRecord[]; next?: string }> {
    return this.deps.users.list(limit, cursor || undefined);
  }

  async update(id: string, input: UpdateUserInput): Promise<UserRecord> {
    const patch: Partial<UserRecord> = {};
    if (input.name !== undefined) patch.name = parseDisplayName(input.name);
    if (input.email !== undefined) patch.email = normalizeEmail(input.email);
    if (input.roles !== undefined) patch.roles = parseNameList(input.roles, 'roles');
    if (input.groups !== undefined) patch.groups = parseNameList(input.groups, 'groups');
    if (input.status !== undefined) patch.status = parseStatus(input.status);
    const before = await this.get({ id });
    if (input.password !== undefined) await this.setPassword(id, input.password);
    const now = this.deps.clock.now();
    const after = await this.deps.users.update(id, (u) => ({ ...u, ...patch, updated_at_ms: now }));
    const reason = after.status !== before.status ? REVOKING[after.status] : null;
    if (reason) await this.revoke(id, reason);
    else if (Object.keys(patch).length > 0) await this.deps.publish(id, 'updated');
    return after;
  }

  disable(id: string): Promise<UserRecord> {
    return this.update(id, { status: 'disabled' });
  }

  async delete(id: string): Promise<void> {
    const u = await this.get({ id });
    await this.deps.users.delete(u);
    await this.revoke(id, 'deleted');
  }

  async setPassword(id: string, password: unknown): Promise<UserRecord> {
    const plain = checkPasswordPolicy(password, this.deps.policy);
    const current = await this.get({ id });
    if (current.provider !== LOCAL_PROVIDER)
      throw new GatehouseError('INVALID_PAYLOAD', { message: 'SSO users have no password.', extensions: { field: 'password' } });
    const hash = await this.deps.hasher.hash(plain);
    const now = this.deps.clock.now();
    const after = await this.deps.users.update(id, (u) => ({ ...u, password_hash: hash, password_changed_at_ms: now, updated_at_ms: now }));
    await this.revoke(id, 'password_changed');
    return after;
  }

  /** Durable first (the outbox), then the event for everyone and a direct RevokeUser, retried until delivered. */
  private async revoke(id: string, reason: UserChangeReason): Promise<void> {
    await this.deps.outbox.deliver(id, reason);
  }
}
