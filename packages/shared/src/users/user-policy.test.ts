import { codeOf } from '../testing/code-of.js';
import { assertActiveForLogin, assertActiveOwner, credentialFate, usernameMatches } from './user-policy.js';
import type { DirectoryUser } from './user-directory.js';

const user = (status: DirectoryUser['status']): DirectoryUser => ({
  id: 'u-1',
  email: 'Alice@Example.org',
  name: 'alice',
  roles: [],
  groups: [],
  status,
});

describe('the delegated-credential user policy', () => {
  it('lets only an active owner use a credential: suspended is USER_SUSPENDED, gone or disabled INVALID_CREDENTIALS', () => {
    expect(codeOf(() => assertActiveForLogin(user('active')))).toBe('OK');
    expect(codeOf(() => assertActiveForLogin(user('suspended')))).toBe('USER_SUSPENDED');
    expect(codeOf(() => assertActiveForLogin(user('disabled')))).toBe('INVALID_CREDENTIALS');
    expect(codeOf(() => assertActiveForLogin(null))).toBe('INVALID_CREDENTIALS');
  });

  it('creates credentials only for an existing, active user', () => {
    expect(codeOf(() => assertActiveOwner(user('active')))).toBe('OK');
    expect(codeOf(() => assertActiveOwner(user('suspended')))).toBe('FORBIDDEN');
    expect(codeOf(() => assertActiveOwner(null))).toBe('NOT_FOUND');
  });

  it('matches a Basic username by id or by e-mail in any case', () => {
    expect(usernameMatches('u-1', user('active'))).toBe(true);
    expect(usernameMatches('alice@example.ORG', user('active'))).toBe(true);
    expect(usernameMatches('bob@example.org', user('active'))).toBe(false);
  });

  it.each([
    ['deleted', 'keep', 'delete'],
    ['disabled', 'keep', 'revoke'],
    ['suspended', 'keep', 'revoke'],
    ['password_changed', 'keep', 'keep'],
    ['password_changed', 'delete', 'delete'],
    ['password_changed', 'revoke', 'revoke'],
    ['updated', 'delete', 'keep'],
  ] as const)("after %s (password change: %s) a user's credentials are: %s", (reason, onPasswordChange, fate) => {
    expect(credentialFate(reason, onPasswordChange)).toBe(fate);
  });
});
