import { GatehouseError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses durations such as `15m`, `7d`, `72h`, `90s`, `1h30m` or a bare number of milliseconds.
 * `units` restricts the accepted units (auth-app takes only h, m and s); a bare number counts as
 * milliseconds, so it is accepted only when `ms` is. Whitespace, signs, fractions and values beyond
 * Number.MAX_SAFE_INTEGER ms are rejected with INVALID_PAYLOAD.
 */
export function parseDuration(input: string, units: readonly string[] = ['ms', 's', 'm', 'h', 'd']): number {
  const invalid = () => new GatehouseError('INVALID_PAYLOAD', { message: `Invalid duration "${input}".` });
  if (typeof input !== 'string' || input.length === 0 || input.length > 64) throw invalid();
  if (/^\d+$/.test(input)) {
    if (!units.includes('ms'))
      throw new GatehouseError('INVALID_PAYLOAD', { message: `Duration "${input}" needs a unit (${units.join(', ')}).` });
    const n = Number(input);
    if (!Number.isSafeInteger(n)) throw invalid();
    return n;
  }
  const re = /(\d+)(ms|s|m|h|d)/y;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(input)) !== null) {
    const [, n, unit] = m;
    if (!unit || !units.includes(unit))
      throw new GatehouseError('INVALID_PAYLOAD', { message: `Unsupported duration unit in "${input}".` });
    total += Number(n) * (UNIT_MS[unit] ?? 0);
    matched = re.lastIndex;
  }
  if (matched !== input.length || !Number.isSafeInteger(total)) throw invalid();
  return total;
}
