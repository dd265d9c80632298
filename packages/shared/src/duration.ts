import { GatehouseError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses durations such as `15m`, `7d`, `72h`, `90s`, `1h30m` or a bare number of milliseconds.
 * `units` restricts the accepted units (auth-app takes only h, m and s).
 */
export function parseDuration(input: string, units: readonly string[] = ['ms', 's', 'm', 'h', 'd']): number {
  const text = input.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const re = /(\d+)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const [, n, unit] = m;
    if (!unit || !units.includes(unit)) throw new GatehouseError('INVALID_PAYLOAD', { message: `Unsupported duration unit in "${input}".` });
    total += Number(n) * (UNIT_MS[unit] ?? 0);
    matched = re.lastIndex;
  }
  if (text.length === 0 || matched !== text.length || !Number.isSafeInteger(total)) {
    throw new GatehouseError('INVALID_PAYLOAD', { message: `Invalid duration "${input}".` });
  }
  return total;
}
