import { GatehouseError } from '@gatehouse/shared';

/**
 * A misspelled name is echoed to help the caller, but only when it looks like a parameter name:
 * a token pasted as a name (`?ghapp_…`) must not travel back in an error body that clients and
 * proxies tend to log.
 */
const echoable = (name: string): string | undefined => (/^[A-Za-z][\w.[\]-]{0,31}$/.test(name) ? name : undefined);

/**
 * The query string, with exact names only: an unknown, misspelled or miscased parameter, or one
 * given twice, is INVALID_PAYLOAD. oCIS silently ignored `userid=` and created a token for the
 * caller instead of failing (owncloud/ocis#11063).
 */
export function exactQuery<K extends string>(originalUrl: string, allowed: readonly K[]): Partial<Record<K, string>> {
  const q = originalUrl.indexOf('?');
  const params = new URLSearchParams(q < 0 ? '' : originalUrl.slice(q + 1));
  const out: Partial<Record<K, string>> = {};
  for (const [name, value] of params) {
    if (!(allowed as readonly string[]).includes(name)) {
      const shown = echoable(name);
      throw new GatehouseError('INVALID_PAYLOAD', {
        message: `Unknown parameter${shown ? ` "${shown}"` : ''}; allowed: ${allowed.join(', ') || 'none'}.`,
        ...(shown ? { extensions: { field: shown } } : {}),
      });
    }
    if (Object.prototype.hasOwnProperty.call(out, name))
      throw new GatehouseError('INVALID_PAYLOAD', { message: `Parameter "${name}" given more than once.`, extensions: { field: name } });
    out[name as K] = value;
  }
  return out;
}
