import { pino, type Level, type Logger } from 'pino';
import { isoTime } from './iso-time.js';
import { REDACTED, SECRET_FIELDS } from './scrub.js';

/** A record of known fields with primitive values (undefined: left out), such as the access line. */
export type FlatRecord = Record<string, string | number | boolean | undefined>;

/**
 * `,"key":` for each field name the code logs (names come from code, never from a request), or
 * that and the redaction for a name that is a secret's: decided once per name.
 */
const keyPrefixes = new Map<string, { prefix: string; secret: boolean }>();
const REDACTED_JSON = JSON.stringify(REDACTED);

function keyOf(key: string): { prefix: string; secret: boolean } {
  let k = keyPrefixes.get(key);
  if (k === undefined) {
    k = { prefix: `,${JSON.stringify(key)}:`, secret: SECRET_FIELDS.has(key.toLowerCase()) };
    if (keyPrefixes.size < 1024) keyPrefixes.set(key, k);
  }
  return k;
}

/**
 * One line of a flat record written straight to the logger's destination: the JSON pino itself
 * writes for `logger[level](record, msg)` (level, time, the logger's bindings, the fields, msg),
 * built in one pass. For the line written per request (the access log): pino's generic path walks
 * every key through serializers and formatters, and the whole line costs several microseconds and
 * its garbage. Secrets stay out as everywhere else: a field named like a secret is `[REDACTED]`;
 * strings are JSON-escaped, so a client-chosen path cannot forge fields or lines.
 */
export function logFlat(logger: Logger, level: Level, record: FlatRecord, msg: string): void {
  if (!logger.isLevelEnabled(level)) return;
  const bindings = (logger as unknown as Record<symbol, string>)[pino.symbols.chindingsSym] ?? '';
  let line = `{"level":${logger.levels.values[level]}${isoTime()}${bindings}`;
  for (const key in record) {
    const v = record[key];
    if (v === undefined) continue;
    const k = keyOf(key);
    line += k.prefix;
    if (k.secret) line += REDACTED_JSON;
    else if (typeof v === 'string') line += JSON.stringify(v);
    else if (typeof v === 'number') line += Number.isFinite(v) ? String(v) : 'null';
    else line += v ? 'true' : 'false';
  }
  line += `,"msg":${JSON.stringify(msg)}}\n`;
  (logger as unknown as Record<symbol, { write(s: string): void }>)[pino.symbols.streamSym]!.write(line);
}
