import { GatehouseError } from '@gatehouse/shared/errors';

/**
 * The scopes a key asks for, each one of AUTH_APIKEY_SCOPES (anything else is INVALID_PAYLOAD, the
 * one scope named when it looks like one). Duplicates collapse; none at all is allowed (the key's
 * tokens then carry no scope and reach only routes that require none).
 */
export function checkKeyScopes(requested: readonly unknown[], allowed: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of requested) {
    if (typeof s !== 'string' || !allowed.includes(s)) {
      const named = typeof s === 'string' && /^[\w:./-]{1,64}$/.test(s) ? ` (${s})` : '';
      throw new GatehouseError('INVALID_PAYLOAD', {
        message: `A scope is not one an API key may carry${named}; allowed: ${allowed.join(' ') || 'none'}.`,
        extensions: { field: 'scopes' },
      });
    }
    if (!out.includes(s)) out.push(s);
  }
  return out;
}
