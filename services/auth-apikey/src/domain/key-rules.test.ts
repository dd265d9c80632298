import { isKeyId, keyIdFromBytes, keyIdToBytes, newKeyId } from './key-id.js';
import { keyErrorText } from './key-error.js';
import { grantFrom, isGrantDue } from './grant-due.js';
import { isCreator } from './identity-match.js';
import { codeOf } from '@gatehouse/shared/testing';

const creator = { id: 'u1', email: 'Ada@Example.org', name: 'Ada', roles: [], groups: [], status: 'active' };

describe('key ids', () => {
  it('are v4 UUIDs whose 16 raw bytes are the seed’s uuid, both ways', () => {
    const id = newKeyId();
    expect(isKeyId(id)).toBe(true);
    expect(keyIdToBytes(id)).toHaveLength(16);
    expect(keyIdFromBytes(keyIdToBytes(id))).toBe(id);
  });

  it('refuses a uuid that is not 16 bytes', () => {
    expect(codeOf(() => keyIdFromBytes(Buffer.alloc(15)))).toBe('INVALID_PAYLOAD');
    expect(codeOf(() => keyIdFromBytes(Buffer.alloc(0)))).toBe('INVALID_PAYLOAD');
  });
});

describe('isCreator', () => {
  it('matches the IdP subject with the creator’s id by default', () => {
    expect(isCreator({ subject: 'u1' }, creator, 'sub')).toBe(true);
    expect(isCreator({ subject: 'u2' }, creator, 'sub')).toBe(false);
    expect(isCreator({ subject: '' }, { ...creator, id: '' }, 'sub')).toBe(false);
  });

  it('matches a verified email, ignoring case, when told to', () => {
    expect(isCreator({ subject: 'x', email: 'ada@example.org', emailVerified: true }, creator, 'email')).toBe(true);
    expect(isCreator({ subject: 'x', email: 'ada@example.org' }, creator, 'email')).toBe(false);
    expect(isCreator({ subject: 'x', email: 'eve@example.org', emailVerified: true }, creator, 'email')).toBe(false);
  });
});

describe('grants', () => {
  it('are due when the IdP access token expired or the max age passed, whichever is first', () => {
    const g = grantFrom('u1', 'rt', 300, 0, 3_600_000);
    expect(g.expires_at).toBe(300_000);
    expect(isGrantDue(g, 299_999, 3_600_000)).toBe(false);
    expect(isGrantDue(g, 300_000, 3_600_000)).toBe(true);
    const long = grantFrom('u1', 'rt', 86_400, 0, 3_600_000);
    expect(isGrantDue(long, 3_600_000, 3_600_000)).toBe(true);
    expect(grantFrom('u1', 'rt', undefined, 0, 1000).expires_at).toBe(1000);
  });
});

describe('keyErrorText', () => {
  it('keeps OAuth error codes and summarises anything else', () => {
    expect(keyErrorText('access_denied')).toBe('access_denied');
    expect(keyErrorText('<script>"')).toBe('idp_error');
    expect(keyErrorText('x'.repeat(200))).toBe('idp_error');
    expect(keyErrorText('line\nbreak')).toBe('idp_error');
  });
});
