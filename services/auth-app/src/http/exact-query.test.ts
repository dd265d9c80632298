import { GatehouseError } from '@gatehouse/shared';
import { exactQuery } from './exact-query.js';

const ALLOWED = ['expiry', 'label', 'userID', 'userName'] as const;
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof GatehouseError ? err.code : 'not-a-gatehouse-error';
  }
  return undefined;
};

describe('exactQuery', () => {
  it('returns the allowed parameters, decoded', () => {
    expect(exactQuery('/auth-app/tokens?expiry=72h&label=my%20app&userName=a%40b.c', ALLOWED)).toEqual({ expiry: '72h', label: 'my app', userName: 'a@b.c' });
    expect(exactQuery('/auth-app/tokens', ALLOWED)).toEqual({});
  });

  it.each(['userid=u', 'UserID=u', 'username=u', 'user_name=u', 'Expiry=72h', 'expiry=72h&expires=1h', 'userID[]=u'])('rejects the misspelled or miscased parameter in %p (owncloud/ocis#11063)', (qs) => {
    expect(codeOf(() => exactQuery(`/auth-app/tokens?${qs}`, ALLOWED))).toBe('INVALID_PAYLOAD');
  });

  it('rejects a parameter given twice (no guessing which one wins)', () => {
    expect(codeOf(() => exactQuery('/auth-app/tokens?expiry=1h&expiry=2160h', ALLOWED))).toBe('INVALID_PAYLOAD');
  });

  it('takes no parameters at all when none are allowed', () => {
    expect(codeOf(() => exactQuery('/auth-app/tokens?userID=x', []))).toBe('INVALID_PAYLOAD');
  });
});
