import { checkCode, checkCodeChallenge, checkCodeVerifier, checkScope, checkState } from './request-checks.js';

const invalid = (field: string) => expect.objectContaining({ code: 'INVALID_PAYLOAD', extensions: { field } });

describe('CLI request checks', () => {
  it('requires a state of visible ASCII up to 512 characters', () => {
    expect(checkState('abc-123_~')).toBe('abc-123_~');
    for (const bad of ['', 'a b', 'é', 'x'.repeat(513), 'a\nb']) expect(() => checkState(bad)).toThrow(invalid('state'));
  });

  it('requires openid in the scope, defaults an empty scope to openid, drops repeats', () => {
    expect(checkScope('')).toEqual(['openid']);
    expect(checkScope('openid  profile openid offline_access')).toEqual(['openid', 'profile', 'offline_access']);
    expect(() => checkScope('profile email')).toThrow(invalid('scope'));
    expect(() => checkScope('openid "quoted"')).toThrow(invalid('scope'));
    expect(() => checkScope(`openid ${Array.from({ length: 25 }, (_, i) => `s${i}`).join(' ')}`)).toThrow(invalid('scope'));
  });

  it('takes only S256 challenges and RFC 7636 verifiers; empty means none', () => {
    expect(checkCodeChallenge('')).toBeUndefined();
    expect(checkCodeChallenge('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    expect(() => checkCodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk=')).toThrow(invalid('code_challenge'));
    expect(() => checkCodeChallenge('short')).toThrow(invalid('code_challenge'));
    expect(checkCodeVerifier('')).toBeUndefined();
    expect(checkCodeVerifier('a'.repeat(43))).toBe('a'.repeat(43));
    for (const bad of ['a'.repeat(42), 'a'.repeat(129), `${'a'.repeat(42)}+`])
      expect(() => checkCodeVerifier(bad)).toThrow(invalid('code_verifier'));
  });

  it('requires a code of visible ASCII up to 2048 characters', () => {
    expect(checkCode('abc')).toBe('abc');
    for (const bad of ['', 'a b', 'x'.repeat(2049)]) expect(() => checkCode(bad)).toThrow(invalid('code'));
  });
});
