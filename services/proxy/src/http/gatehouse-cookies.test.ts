import { ownSetCookie, ownsCookieFrom, withoutOwnCookies } from './gatehouse-cookies.js';

describe("Gatehouse's cookies at the proxy", () => {
  const owns = ownsCookieFrom({ REFRESH_TOKEN_COOKIE_NAME: 'gh_refresh', SESSION_COOKIE_NAME: 'gh_session' });

  it('owns the configured auth cookies, the SSO state, the built-in IdP’s and every gatehouse_ name', () => {
    for (const n of [
      'gh_refresh',
      'gh_session',
      'gatehouse_sso_state',
      'gatehouse_oidc_session.sig',
      'gatehouse_oidc_resume',
      'Gatehouse_X',
    ])
      expect(owns(n)).toBe(true);
    for (const n of ['theme', 'gh_session2', 'session', '', 'x_gatehouse_session_token']) expect(owns(n)).toBe(false);
  });

  it('removes every occurrence of an owned cookie, keeping the others in order', () => {
    expect(withoutOwnCookies('a=1; gh_session=s;b=2;  gh_session=t ; gatehouse_sso_state=x; c', owns)).toBe('a=1; b=2; c');
    expect(withoutOwnCookies(' \tgh_session =s', owns)).toBeUndefined();
    expect(withoutOwnCookies('gh_refresh=r; ;', owns)).toBeUndefined();
    expect(withoutOwnCookies('a=gh_session=1', owns)).toBe('a=gh_session=1');
  });

  it('names the owned cookie a Set-Cookie line would set, whatever its attributes', () => {
    expect(ownSetCookie('gh_session=x; Path=/; HttpOnly', owns)).toBe('gh_session');
    expect(ownSetCookie(' gatehouse_oidc_session.legacy=1', owns)).toBe('gatehouse_oidc_session.legacy');
    expect(ownSetCookie('theme=gh_session; Path=/', owns)).toBeNull();
    expect(ownSetCookie('gh_session', owns)).toBeNull();
  });
});
