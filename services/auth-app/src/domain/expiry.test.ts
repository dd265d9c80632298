import { codeOf } from '@gatehouse/shared/testing';
import { parseExpiry } from './expiry.js';

const H = 3_600_000;

describe('parseExpiry', () => {
  it.each([
    ['72h', 72 * H],
    ['1h', H],
    ['30m', 30 * 60_000],
    ['90s', 90_000],
    ['1s', 1000],
    ['1h30m', 90 * 60_000],
  ])('accepts %s', (text, ms) => {
    expect(parseExpiry(text, 2160 * H)).toBe(ms);
  });

  it.each(['72', '0h', '0s', '1d', '1ms', '-1h', '72H', ' 72h', '72h ', 'h', 'abc', '1.5h', '1e3s', '72 h'])(
    'rejects %p as INVALID_PAYLOAD',
    (text) => {
      expect(codeOf(() => parseExpiry(text, 2160 * H))).toBe('INVALID_PAYLOAD');
    },
  );

  it('requires an expiry', () => {
    expect(codeOf(() => parseExpiry(undefined, H))).toBe('INVALID_PAYLOAD');
    expect(codeOf(() => parseExpiry('', H))).toBe('INVALID_PAYLOAD');
  });

  it('refuses more than the configured maximum, accepts exactly the maximum', () => {
    expect(parseExpiry('2160h', 2160 * H)).toBe(2160 * H);
    expect(codeOf(() => parseExpiry('2161h', 2160 * H))).toBe('INVALID_PAYLOAD');
    expect(codeOf(() => parseExpiry('99999999999h', 2160 * H))).toBe('INVALID_PAYLOAD');
  });
});
