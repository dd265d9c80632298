import { readFileSync } from 'node:fs';
import { GatehouseError } from '@gatehouse/shared/errors';

/** The bundled list (data/common-passwords.txt): one password a line, `#` comments. */
export const COMMON_PASSWORDS_FILE = new URL('../../../data/common-passwords.txt', import.meta.url);

let cached: Set<string> | undefined;

export function loadCommonPasswords(file: URL | string = COMMON_PASSWORDS_FILE): Set<string> {
  const lines = readFileSync(file, 'utf8').split('\n');
  return new Set(lines.filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.toLowerCase()));
}

export interface PasswordPolicy {
  minLength: number;
  maxLength: number;
  common: Set<string>;
}

export function defaultPolicy(minLength = 8, maxLength = 256): PasswordPolicy {
  cached ??= loadCommonPasswords();
  return { minLength, maxLength, common: cached };
}

/**
 * NIST 800-63B style: length bounds (in characters, code points) and a common-password list,
 * no composition rules. Throws FAILED_VALIDATION with the reason in `extensions.reason`.
 */
export function checkPasswordPolicy(password: unknown, policy: PasswordPolicy): string {
  if (typeof password !== 'string')
    throw new GatehouseError('INVALID_PAYLOAD', { message: '"password" is required.', extensions: { field: 'password' } });
  const length = [...password].length;
  const fail = (reason: string, message: string) =>
    new GatehouseError('FAILED_VALIDATION', { message, extensions: { field: 'password', reason } });
  if (length < policy.minLength) throw fail('too_short', `Password must be at least ${policy.minLength} characters.`);
  if (length > policy.maxLength) throw fail('too_long', `Password must be at most ${policy.maxLength} characters.`);
  if (policy.common.has(password.toLowerCase())) throw fail('too_common', 'Password is too common.');
  return password;
}
