import { GatehouseError } from './errors.js';
import { parseDuration } from './duration.js';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof GatehouseError ? err.code : 'not a GatehouseError';
  }
};

describe('parseDuration', () => {
  it.each([
    ['72h', 72 * 3_600_000],
    ['1h30m', 5_400_000],
    ['90s', 90_000],
    ['500ms', 500],
    ['7d', 7 * 86_400_000],
    ['1m30s500ms', 90_500],
    ['250', 250],
    ['0', 0],
  ])('parses %s', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['', ' ', '-1h', '1x', '1h ', ' 1h', '1.5h', 'h', '1H', '+5s', '1h-30m', '9'.repeat(20), '9'.repeat(17) + 'd', '1e3'])(
    'rejects %j with INVALID_PAYLOAD',
    (input) => {
      expect(code(() => parseDuration(input))).toBe('INVALID_PAYLOAD');
    },
  );

  it('restricts units when asked (auth-app: h, m, s only)', () => {
    const hms = ['h', 'm', 's'];
    expect(parseDuration('2h15m', hms)).toBe(8_100_000);
    expect(code(() => parseDuration('7d', hms))).toBe('INVALID_PAYLOAD');
    expect(code(() => parseDuration('500ms', hms))).toBe('INVALID_PAYLOAD');
    // A bare number means milliseconds, which this caller does not accept.
    expect(code(() => parseDuration('3600', hms))).toBe('INVALID_PAYLOAD');
  });
});
