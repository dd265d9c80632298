import { GatehouseError } from '@gatehouse/shared/errors';

export const USER_STATUSES = ['active', 'suspended', 'disabled'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];
export const LOCAL_PROVIDER = 'local';

/** A user as stored (never sent out as is: see toPublicUser). */
export interface UserRecord {
  id: string;
  email: string;
  name: string;
  roles: string[];
  groups: string[];
  status: UserStatus;
  /** `local`, or the id of the SSO provider the user signs in with. */
  provider: string;
  /** bcrypt over the peppered pre-hash; absent for SSO users. */
  password_hash?: string;
  /** TOTP secret, AES-GCM sealed with a key derived for 'totp'. */
  totp_secret_enc?: string;
  /** SHA-256 digests of the unused recovery codes. */
  recovery_codes?: string[];
  created_at_ms: number;
  updated_at_ms: number;
  password_changed_at_ms?: number;
  /** External identities (SSO) linked to the account: at most one per provider. */
  identities?: ExternalIdentity[];
}

/** An account at an external provider: the provider's name and its identifier claim's value. */
export interface ExternalIdentity {
  provider: string;
  external_id: string;
}

/** What leaves the service: the record without its secrets, plus whether TOTP is on. */
export type PublicUser = Pick<
  UserRecord,
  'id' | 'email' | 'name' | 'roles' | 'groups' | 'status' | 'provider' | 'created_at_ms' | 'updated_at_ms'
> & {
  totp_enabled: boolean;
};

export function toPublicUser(u: UserRecord): PublicUser {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    roles: u.roles,
    groups: u.groups,
    status: u.status,
    provider: u.provider,
    totp_enabled: u.totp_secret_enc !== undefined,
    created_at_ms: u.created_at_ms,
    updated_at_ms: u.updated_at_ms,
  };
}

// Deliberately simple: one @, no spaces or control characters, a dot in the domain. Deliverability is the mailer's problem.
const EMAIL = /^[^\s@\p{Cc}]{1,64}@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u;

/** Lower-cased, trimmed, NFC e-mail; INVALID_PAYLOAD when it is not one. Unique case-insensitively (and whatever the Unicode composition). */
export function normalizeEmail(input: unknown): string {
  if (typeof input !== 'string')
    throw new GatehouseError('INVALID_PAYLOAD', { message: '"email" is required.', extensions: { field: 'email' } });
  const email = input.trim().toLowerCase().normalize('NFC');
  if (email.length > 254 || !EMAIL.test(email))
    throw new GatehouseError('INVALID_PAYLOAD', { message: '"email" must be a valid e-mail address.', extensions: { field: 'email' } });
  return email;
}

export function parseStatus(input: unknown): UserStatus {
  if (typeof input === 'string' && (USER_STATUSES as readonly string[]).includes(input)) return input as UserStatus;
  throw new GatehouseError('INVALID_PAYLOAD', {
    message: `"status" must be one of ${USER_STATUSES.join(', ')}.`,
    extensions: { field: 'status' },
  });
}

const NAME_LIST_ITEM = /^[\w.:@/-]{1,128}$/;

/** Roles and groups: short identifiers, at most 100 of them. */
export function parseNameList(input: unknown, field: string): string[] {
  if (!Array.isArray(input) || input.length > 100 || !input.every((r) => typeof r === 'string' && NAME_LIST_ITEM.test(r))) {
    throw new GatehouseError('INVALID_PAYLOAD', { message: `"${field}" must be a list of identifiers.`, extensions: { field } });
  }
  return [...new Set(input as string[])];
}

export function parseDisplayName(input: unknown): string {
  if (typeof input !== 'string' || input.length > 256 || /\p{Cc}/u.test(input)) {
    throw new GatehouseError('INVALID_PAYLOAD', {
      message: '"name" must be a string of at most 256 characters.',
      extensions: { field: 'name' },
    });
  }
  return input.trim();
}

export function parseProvider(input: unknown): string {
  if (input === undefined || input === '') return LOCAL_PROVIDER;
  if (typeof input !== 'string' || !/^[a-z0-9][\w-]{0,63}$/i.test(input)) {
    throw new GatehouseError('INVALID_PAYLOAD', {
      message: '"provider" must be "local" or a provider id.',
      extensions: { field: 'provider' },
    });
  }
  return input;
}
