import { csrfRefusal, hasCookie, isCsrfExempt, type CookieRequest } from './csrf-check.js';
import { allowedOriginsEnv, originPolicyFrom } from './origin-policy.js';

const policy = originPolicyFrom({ PUBLIC_URL: 'https://gate.example', GATEHOUSE_ALLOWED_ORIGINS: ['https://app.example'] });
const post: CookieRequest = {
  method: 'POST',
  path: '/auth-app/tokens',
  upgrade: false,
  origin: undefined,
  secFetchSite: undefined,
  hasAuthCookie: true,
};
const codeOf = (r: CookieRequest) => csrfRefusal(r, policy)?.code;

describe('the CSRF rule', () => {
  it('lets PUBLIC_URL’s origin, a listed origin, and same-origin without Origin through', () => {
    expect(codeOf({ ...post, origin: 'https://gate.example' })).toBeUndefined();
    expect(codeOf({ ...post, origin: 'https://app.example' })).toBeUndefined();
    expect(codeOf({ ...post, secFetchSite: 'same-origin' })).toBeUndefined();
  });

  it.each([
    ['another origin', { origin: 'https://evil.example' }],
    ['a sibling port', { origin: 'https://gate.example:8443' }],
    ['Origin: null', { origin: 'null' }],
    ['Origin beats Sec-Fetch-Site', { origin: 'https://evil.example', secFetchSite: 'same-origin' }],
    ['same-site is not same-origin', { secFetchSite: 'same-site' }],
    ['neither header', {}],
  ])('refuses a cookie POST with %s: CSRF_REJECTED', (_n, extra) => {
    expect(codeOf({ ...post, ...extra })).toBe('CSRF_REJECTED');
  });

  it('checks upgrades whatever their method, and no safe method or cookie-less request', () => {
    expect(codeOf({ ...post, method: 'GET', upgrade: true, origin: 'https://evil.example' })).toBe('CSRF_REJECTED');
    expect(codeOf({ ...post, method: 'GET', origin: 'https://evil.example' })).toBeUndefined();
    expect(codeOf({ ...post, hasAuthCookie: false, origin: 'https://evil.example' })).toBeUndefined();
  });

  it('exempts SSO callbacks and back-channel logout only', () => {
    expect(isCsrfExempt('/auth/login/kc/callback')).toBe(true);
    expect(isCsrfExempt('/auth/login/kc/backchannel-logout')).toBe(true);
    expect(isCsrfExempt('/auth/login')).toBe(false);
    expect(isCsrfExempt('/auth/login/kc/callback/extra')).toBe(false);
    expect(codeOf({ ...post, path: '/auth/login/kc/callback', origin: 'https://idp.example' })).toBeUndefined();
  });

  it('finds an auth cookie among others, never an empty one', () => {
    expect(hasCookie('theme=dark; st=abc', ['st'])).toBe(true);
    expect(hasCookie('theme=dark; st=', ['st'])).toBe(false);
    expect(hasCookie('xst=abc', ['st'])).toBe(false);
    expect(hasCookie(undefined, ['st'])).toBe(false);
  });

  it('takes GATEHOUSE_ALLOWED_ORIGINS as bare origins only', () => {
    expect(allowedOriginsEnv.parse('https://a.example, http://b.example:8080')).toEqual(['https://a.example', 'http://b.example:8080']);
    expect(allowedOriginsEnv.parse('')).toEqual([]);
    for (const bad of ['https://a.example/path', 'a.example', 'ftp://a.example', '*'])
      expect(allowedOriginsEnv.safeParse(bad).success).toBe(false);
  });
});
