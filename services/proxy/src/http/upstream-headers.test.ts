import { isSpoofable, upstreamRequestHeaders } from './upstream-headers.js';

describe('upstreamRequestHeaders', () => {
  const ctx = { remoteAddress: '::ffff:10.0.0.5', trusted: false, encrypted: false, passAuthorization: false };

  it('drops identity-like headers in every spelling', () => {
    for (const n of [
      'X-Gatehouse-Identity',
      'x_gatehouse_identity',
      'X-USER-ID',
      'X_User_Email',
      'x-remote-user',
      'Remote_User',
      'X-Forwarded-User',
      'x-auth-request-email',
    ])
      expect(isSpoofable(n)).toBe(true);
    for (const n of ['accept', 'content-type', 'x-request-id', 'user-agent']) expect(isSpoofable(n)).toBe(false);
  });

  it('drops the bare identity names simple upstreams read (X-User, X-Username, X-Roles, X-Groups, X-Scopes)', () => {
    for (const n of ['X-User', 'x_userid', 'X-Username', 'x-user-name', 'X-Roles', 'x_groups', 'X-Scopes', 'X-Principal'])
      expect(isSpoofable(n)).toBe(true);
  });

  it('joins repeated cookies and keeps ordinary duplicates', () => {
    const out = upstreamRequestHeaders(['Cookie', 'a=1', 'cookie', 'b=2', 'X-Tag', '1', 'x-tag', '2', 'Host', 'h'], { host: 'h' }, ctx);
    expect(out.cookie).toBe('a=1; b=2');
    expect(out['x-tag']).toEqual(['1', '2']);
    expect(out['x-forwarded-for']).toBe('10.0.0.5');
  });
});
