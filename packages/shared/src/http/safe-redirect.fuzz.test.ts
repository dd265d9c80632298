import fc from 'fast-check';
import { fuzzParameters, hostileString } from '../testing/fuzz.js';
import { allowListedUrl, loginRedirectTarget, safeRedirect } from './safe-redirect.js';

// The redirect validators (password reset, SSO and login pages): any input gives the fallback, a
// same-origin relative path, or an allow-listed URL. Never a throw, never an open redirect.
const ALLOW = ['https://app.example/after-login', 'http://127.0.0.1:8080/cb'];
const requested = fc.oneof(
  hostileString(200),
  hostileString(100).map((s) => `/${s}`),
  hostileString(100).map((s) => `//${s}`),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.webUrl().map((u) => u.replace('://', '://user:pw@')),
  fc.constantFrom(...ALLOW).chain((a) => hostileString(30).map((s) => a + s)),
  fc.anything(),
);

/** Where a browser really goes for `target` on the site https://gatehouse.example. */
const landsOn = (target: string) => new URL(target, 'https://gatehouse.example/auth/login').origin;

describe('fuzz: the redirect validators', () => {
  it('safeRedirect keeps a browser on the same origin whatever it is given', () => {
    fc.assert(
      fc.property(requested, (r) => {
        const out = safeRedirect(r);
        expect(out.startsWith('/')).toBe(true);
        expect(landsOn(out)).toBe('https://gatehouse.example');
        // A component that decodes it once more lands there too.
        let once: string | undefined;
        try {
          once = decodeURIComponent(out);
        } catch {
          once = undefined; // not decodable: nobody can decode it into something else
        }
        if (once !== undefined) expect(landsOn(once)).toBe('https://gatehouse.example');
      }),
      fuzzParameters(2000),
    );
  });

  it('loginRedirectTarget answers the fallback, a same-origin path or an allow-listed origin and path', () => {
    fc.assert(
      fc.property(requested, (r) => {
        const out = loginRedirectTarget(r, ALLOW, 'https://gatehouse.example/');
        if (out === 'https://gatehouse.example/') return;
        if (out.startsWith('/')) return void expect(landsOn(out)).toBe('https://gatehouse.example');
        const u = new URL(out);
        expect(ALLOW.some((a) => new URL(a).origin === u.origin && new URL(a).pathname === u.pathname)).toBe(true);
        expect(u.username + u.password).toBe('');
      }),
      fuzzParameters(2000),
    );
  });

  it('allowListedUrl never allows anything with an empty list', () => {
    fc.assert(
      fc.property(requested, (r) => expect(allowListedUrl(r, [])).toBeUndefined()),
      fuzzParameters(1000),
    );
  });
});
