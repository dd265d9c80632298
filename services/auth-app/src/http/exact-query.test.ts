import { GatehouseError, errorBody } from '@gatehouse/shared';
import { codeOf } from '@gatehouse/shared/testing';
import { exactQuery } from './exact-query.js';

const ALLOWED = ['expiry', 'label', 'userID', 'userName'] as const;

describe('exactQuery', () => {
  it('returns the allowed parameters, decoded', () => {
    expect(exactQuery('/auth-app/tokens?expiry=72h&label=my%20app&userName=a%40b.c', ALLOWED)).toEqual({
      expiry: '72h',
      label: 'my app',
      userName: 'a@b.c',
    });
    expect(exactQuery('/auth-app/tokens', ALLOWED)).toEqual({});
  });

  it.each(['userid=u', 'UserID=u', 'username=u', 'user_name=u', 'Expiry=72h', 'expiry=72h&expires=1h', 'userID[]=u'])(
    'rejects the misspelled or miscased parameter in %p (owncloud/ocis#11063)',
    (qs) => {
      expect(codeOf(() => exactQuery(`/auth-app/tokens?${qs}`, ALLOWED))).toBe('INVALID_PAYLOAD');
    },
  );

  it('rejects a parameter given twice (no guessing which one wins)', () => {
    expect(codeOf(() => exactQuery('/auth-app/tokens?expiry=1h&expiry=2160h', ALLOWED))).toBe('INVALID_PAYLOAD');
  });

  it('takes no parameters at all when none are allowed', () => {
    expect(codeOf(() => exactQuery('/auth-app/tokens?userID=x', []))).toBe('INVALID_PAYLOAD');
  });

  it('does not echo a token pasted as a parameter name in the error', () => {
    const token = `ghapp_0123456789abcdef_${'S'.repeat(43)}`;
    const body = (query: string): string => {
      try {
        exactQuery(`/auth-app/tokens?${query}`, ['token']);
      } catch (err) {
        if (err instanceof GatehouseError) return JSON.stringify(errorBody(err));
      }
      return 'no GatehouseError';
    };
    expect(body(`${token}=1`)).toContain('INVALID_PAYLOAD');
    expect(body(`${token}=1`)).not.toContain('SSSS');
    expect(body('toekn=x')).toContain('"field":"toekn"'); // an ordinary misspelling is still named
  });
});
