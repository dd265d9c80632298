import { codeOf } from '@gatehouse/shared/testing';
import { normalizeLabel } from './label.js';
import { parseScopes } from './scopes.js';

describe('parseScopes', () => {
  it('splits on spaces and commas and removes duplicates', () => {
    expect(parseScopes('files:read, files:write files:read', 32)).toEqual(['files:read', 'files:write']);
    expect(parseScopes(['a', 'b,c'], 32)).toEqual(['a', 'b', 'c']);
    expect(parseScopes(undefined, 32)).toEqual([]);
    expect(parseScopes('', 32)).toEqual([]);
  });

  it.each(['files;read', 'a"b', '<script>', 'ünïcode', 'x'.repeat(65), '-leading'])('rejects the scope %p', (s) => {
    expect(codeOf(() => parseScopes(s, 32))).toBe('INVALID_PAYLOAD');
  });

  it('enforces the scope count limit', () => {
    expect(codeOf(() => parseScopes('a b c', 2))).toBe('INVALID_PAYLOAD');
  });
});

describe('normalizeLabel', () => {
  it('uses the default when empty and trims otherwise', () => {
    expect(normalizeLabel(undefined, 'Generated via API', 200)).toBe('Generated via API');
    expect(normalizeLabel('  ', 'Generated via API', 200)).toBe('Generated via API');
    expect(normalizeLabel(' my app ', 'x', 200)).toBe('my app');
  });

  it('rejects control characters (log injection) and overlong labels', () => {
    expect(codeOf(() => normalizeLabel('a\nb', 'x', 200))).toBe('INVALID_PAYLOAD');
    expect(codeOf(() => normalizeLabel('a\u0000', 'x', 200))).toBe('INVALID_PAYLOAD');
    expect(codeOf(() => normalizeLabel('x'.repeat(201), 'x', 200))).toBe('INVALID_PAYLOAD');
    // C1 controls: U+009B is CSI for 8-bit terminals (escape injection in `gatehouse auth-app list`), U+0085 is NEL.
    expect(codeOf(() => normalizeLabel('a\u009b31mred', 'x', 200))).toBe('INVALID_PAYLOAD');
    expect(codeOf(() => normalizeLabel('a\u0085b', 'x', 200))).toBe('INVALID_PAYLOAD');
  });
});
