import { parseDuration } from '@gatehouse/shared/duration';
import { GatehouseError } from '@gatehouse/shared/errors';

const EXPIRY_SYNTAX = /^(\d{1,10}[hms])+$/;

/**
 * `72h`, `30m`, `90s`, `1h30m` → milliseconds. Only h, m and s (as in oCIS); a bare number, another
 * unit, zero or more than `maxMs` is INVALID_PAYLOAD.
 */
export function parseExpiry(text: string | undefined, maxMs: number): number {
  if (text === undefined || text === '')
    throw new GatehouseError('INVALID_PAYLOAD', { message: 'expiry is required (e.g. expiry=72h).', extensions: { field: 'expiry' } });
  // parseDuration alone would take a bare number as milliseconds; demand a unit.
  if (!EXPIRY_SYNTAX.test(text)) throw invalid(text);
  const ms = parseDuration(text, ['h', 'm', 's']);
  if (ms <= 0) throw invalid(text);
  if (ms > maxMs) {
    throw new GatehouseError('INVALID_PAYLOAD', {
      message: `expiry must not exceed ${Math.floor(maxMs / 1000)}s.`,
      extensions: { field: 'expiry' },
    });
  }
  return ms;
}

function invalid(text: string): GatehouseError {
  return new GatehouseError('INVALID_PAYLOAD', {
    message: 'expiry must be a positive duration in h, m or s (e.g. 72h, 30m, 90s).',
    detail: `expiry=${text.slice(0, 40)}`,
    extensions: { field: 'expiry' },
  });
}
