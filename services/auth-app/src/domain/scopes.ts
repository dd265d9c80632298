import { GatehouseError } from '@gatehouse/shared/errors';

const SCOPE = /^[A-Za-z0-9][A-Za-z0-9:._/-]{0,63}$/;

/** `scope=read:files write:files` (spaces or commas) → unique scopes; empty means unrestricted. */
export function parseScopes(raw: string | readonly string[] | undefined, max: number): string[] {
  if (raw === undefined) return [];
  const parts = (typeof raw === 'string' ? [raw] : raw).flatMap((s) => s.split(/[\s,]+/)).filter((s) => s.length > 0);
  for (const s of parts) {
    if (!SCOPE.test(s))
      throw new GatehouseError('INVALID_PAYLOAD', {
        message: 'scope may contain only letters, digits and : . _ / - (at most 64 characters each).',
        extensions: { field: 'scope' },
      });
  }
  const unique = [...new Set(parts)];
  if (unique.length > max)
    throw new GatehouseError('INVALID_PAYLOAD', { message: `At most ${max} scopes.`, extensions: { field: 'scope' } });
  return unique;
}
