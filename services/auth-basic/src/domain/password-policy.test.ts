import { checkPasswordPolicy, defaultPolicy } from './password-policy.js';

const reason = (p: unknown) => {
  try {
    checkPasswordPolicy(p, defaultPolicy());
    return 'ok';
  } catch (e) {
    return (e as { extensions?: { reason?: string }; code: string }).extensions?.reason ?? (e as { code: string }).code;
  }
};

describe('password policy', () => {
  it('bundles a few thousand common passwords', () => {
    expect(defaultPolicy().common.size).toBeGreaterThan(4000);
  });
  it('counts characters, not bytes, and has no composition rules', () => {
    expect(reason('ééééééé')).toBe('too_short');
    expect(reason('éééééééé')).toBe('ok');
    expect(reason('alllowercaseletters')).toBe('ok');
    expect(reason('x'.repeat(257))).toBe('too_long');
  });
  it('refuses common passwords case-insensitively', () => {
    expect(reason('Password')).toBe('too_common');
    expect(reason('QWERTYUIOP')).toBe('too_common');
    expect(reason(12345678)).toBe('INVALID_PAYLOAD');
  });
});
