import { GatehouseError } from '@gatehouse/shared/errors';

// Every control character, C1 included (U+009B is CSI to 8-bit terminals).
const CONTROL = /\p{Cc}/u;

/** A key's name as given (trimmed): required, at most `maxLength` printable characters. */
export function normalizeKeyName(name: unknown, maxLength: number): string {
  const text = typeof name === 'string' ? name.trim() : '';
  if (text === '' || text.length > maxLength || CONTROL.test(text)) {
    throw new GatehouseError('INVALID_PAYLOAD', {
      message: `name is required: at most ${maxLength} printable characters.`,
      extensions: { field: 'name' },
    });
  }
  return text;
}
