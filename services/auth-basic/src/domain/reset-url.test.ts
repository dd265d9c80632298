import { buildResetLink, checkResetUrl } from './reset-url.js';

const allow = ['https://app.example/reset', 'https://admin.example/a/b?x=1'];
const code = (f: () => unknown) => {
  try {
    f();
    return 'OK';
  } catch (e) {
    return (e as { code: string }).code;
  }
};

describe('checkResetUrl', () => {
  it('accepts an exact entry and the same origin + path with another query', () => {
    expect(checkResetUrl('https://app.example/reset', allow).href).toBe('https://app.example/reset');
    expect(checkResetUrl('https://admin.example/a/b?lang=fr', allow).pathname).toBe('/a/b');
  });
  it.each([
    '//evil.example/reset',
    '/\\evil.example/reset',
    'https://app@evil.example/reset',
    'https://app.example@evil.example/reset',
    'https://user:pw@app.example/reset',
    'https:/\\evil.example/reset',
    'https:\\\\evil.example/reset',
    'HTTPS://evil.example/reset',
    'https://app.example/reset/../x',
    'https://app.example/Reset',
    'https://app.example:444/reset',
    'ftp://app.example/reset',
    'data:text/html,<a href=https://app.example/reset>',
    '',
    'x'.repeat(3000),
  ])('rejects %s', (u) => {
    expect(code(() => checkResetUrl(u, allow))).toBe('INVALID_PAYLOAD');
  });
  it('rejects everything with an empty allow list, and non-strings', () => {
    expect(code(() => checkResetUrl('https://app.example/reset', []))).toBe('INVALID_PAYLOAD');
    expect(code(() => checkResetUrl({ href: 'https://app.example/reset' }, allow))).toBe('INVALID_PAYLOAD');
  });
});

describe('buildResetLink', () => {
  it('sets the token parameter, replacing any given one, and drops the fragment', () => {
    expect(buildResetLink(new URL('https://app.example/reset?token=attacker&lang=de#frag'), 'T0K')).toBe(
      'https://app.example/reset?token=T0K&lang=de',
    );
  });
});
