import { codeOf } from '@gatehouse/shared/testing';
import { resolveCreateTarget } from './impersonation.js';

const admin = { sub: 'admin-1', roles: ['admin'] };
const alice = { sub: 'alice', roles: [] };

describe('resolveCreateTarget', () => {
  it('creates for the caller with the API label when no user is named', () => {
    expect(resolveCreateTarget(alice, {}, false)).toEqual({ user: { id: 'alice' }, defaultLabel: 'Generated via API', actorId: undefined });
  });

  it('lets an admin name a user by id or by userName (email) when impersonation is enabled', () => {
    expect(resolveCreateTarget(admin, { userID: 'u-2' }, true)).toEqual({
      user: { id: 'u-2' },
      defaultLabel: 'Generated via Impersonation API',
      actorId: 'admin-1',
    });
    expect(resolveCreateTarget(admin, { userName: 'Einstein@Example.org' }, true)).toEqual({
      user: { email: 'Einstein@Example.org' },
      defaultLabel: 'Generated via Impersonation API',
      actorId: 'admin-1',
    });
  });

  it('refuses impersonation when disabled instead of silently creating a token for the caller', () => {
    expect(codeOf(() => resolveCreateTarget(admin, { userID: 'u-2' }, false))).toBe('FORBIDDEN');
    expect(codeOf(() => resolveCreateTarget(admin, { userName: 'x@y.z' }, false))).toBe('FORBIDDEN');
  });

  it('refuses impersonation by a non-admin', () => {
    expect(codeOf(() => resolveCreateTarget(alice, { userID: 'u-2' }, true))).toBe('FORBIDDEN');
  });

  it('refuses userID and userName together, and empty values', () => {
    expect(codeOf(() => resolveCreateTarget(admin, { userID: 'a', userName: 'b' }, true))).toBe('INVALID_PAYLOAD');
    expect(codeOf(() => resolveCreateTarget(admin, { userID: ' ' }, true))).toBe('INVALID_PAYLOAD');
  });
});
