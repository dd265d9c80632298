import { GatehouseError } from '@gatehouse/shared/errors';

export const LABEL_API = 'Generated via API';
export const LABEL_IMPERSONATION = 'Generated via Impersonation API';
export const LABEL_CLI = 'Generated via CLI';

// Every control character, C1 included (U+009B is CSI to 8-bit terminals).
const CONTROL = /\p{Cc}/u;

/** A label as given (trimmed), or the default when empty; control characters and overlong labels are refused. */
export function normalizeLabel(label: string | undefined, fallback: string, maxLength: number): string {
  const text = (label ?? '').trim();
  if (text === '') return fallback;
  if (text.length > maxLength || CONTROL.test(text)) {
    throw new GatehouseError('INVALID_PAYLOAD', {
      message: `label must be at most ${maxLength} printable characters.`,
      extensions: { field: 'label' },
    });
  }
  return text;
}
