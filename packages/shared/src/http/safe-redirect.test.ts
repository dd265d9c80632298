import { DEFAULT_REDIRECT, allowedRedirect, loginRedirectTarget, safeRedirect } from './safe-redirect.js';

describe('safeRedirect', () => {
  it.each([
    ['a plain path', '/apps/files'],
    ['the root', '/'],
    ['a path with a query and an encoded slash inside the query', '/apps/files?dir=%2Fdocs&x=1'],
    ['a path with a fragment', '/settings#security'],
    ['a percent-encoded non-ASCII path', '/caf%C3%A9'],
    ['an encoded space', '/my%20files'],
    ['dot segments that stay on the origin', '/a/../b'],
    ['a literal percent sign that is no escape', '/100%'],
    ['HTML-special characters (escaped when rendered)', '/x"><script>alert(1)</script>'],
  ])('keeps %s', (_name, path) => {
    expect(safeRedirect(path)).toBe(path);
  });

  it.each([
    ['a missing parameter', undefined],
    ['an empty parameter', ''],
    ['a repeated parameter (an array)', ['/a', '//evil.example']],
    ['an object parameter (redirect[x]=...)', { x: '/a' }],
    ['an absolute http URL', 'http://evil.example/'],
    ['an absolute https URL', 'https://evil.example/'],
    ['a scheme without slashes (https:evil.example)', 'https:evil.example'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
    ['a protocol-relative URL (//evil.example)', '//evil.example'],
    ['a triple slash (///evil.example)', '///evil.example'],
    ['a backslash-escaped forward slash (/\\evil.example)', '/\\evil.example'],
    ['a leading backslash (\\\\evil.example)', '\\\\evil.example'],
    ['a backslash later in the path (/a/..\\..\\\\evil.example)', '/a/..\\..\\\\evil.example'],
    ['a tab that browsers strip (/\\t/evil.example)', '/\t/evil.example'],
    ['a newline that browsers strip (/\\n/evil.example)', '/\n/evil.example'],
    ['a carriage return (/\\r/evil.example)', '/\r/evil.example'],
    ['a NUL byte', '/\0/evil.example'],
    ['a DEL character', '/\x7f/evil.example'],
    ['a leading space ( //evil.example)', ' //evil.example'],
    ['a relative path without a leading slash', 'evil.example'],
    ['a user-info trick (/@evil.example is fine, @evil.example is not)', '@evil.example'],
    ['an encoded second slash (/%2F/evil.example)', '/%2F/evil.example'],
    ['an encoded second slash in lower case (/%2f/evil.example)', '/%2f/evil.example'],
    ['an encoded backslash (/%5Cevil.example)', '/%5Cevil.example'],
    ['a double-encoded slash (/%252F/evil.example)', '/%252F/evil.example'],
    ['a triple-encoded backslash (/%25255Cevil.example)', '/%25255Cevil.example'],
    ['an encoded tab (/%09/evil.example)', '/%09/evil.example'],
    ['an encoded newline (/%0a/evil.example)', '/%0a/evil.example'],
    ['a fully encoded protocol-relative URL (%2F%2Fevil.example)', '%2F%2Fevil.example'],
    ['an encoded backslash later in the path', '/a%5C..%5Cevil.example'],
    ['non-ASCII (a full-width solidus, /／evil.example)', '/／evil.example'],
    ['encoding nested deeper than any honest path', '/%2525252525'],
    ['an overlong value', '/' + 'a'.repeat(2048)],
  ])('refuses %s', (_name, input) => {
    expect(safeRedirect(input)).toBe(DEFAULT_REDIRECT);
  });
});

describe('allowedRedirect', () => {
  const allow = ['https://app.example/keys', 'http://127.0.0.1:3000'];

  it.each([
    ['a same-origin relative path', '/settings/api-keys', '/settings/api-keys'],
    ['the root', '/', '/'],
    ['the entry itself', 'https://app.example/keys', 'https://app.example/keys'],
    ['the entry with another query and fragment', 'https://app.example/keys?tab=1#new', 'https://app.example/keys?tab=1#new'],
    ['the root of an origin-only entry', 'http://127.0.0.1:3000/', 'http://127.0.0.1:3000/'],
  ])('keeps %s', (_name, input, expected) => {
    expect(allowedRedirect(input, allow)).toBe(expected);
  });

  it.each([
    ['a missing value', undefined],
    ['an empty value', ''],
    ['a foreign origin', 'https://evil.example/keys'],
    ['another path on an allowed origin', 'https://app.example/admin'],
    ['a path below an entry (exact paths, not prefixes)', 'https://app.example/keys/123'],
    ['another path of an origin-only entry', 'http://127.0.0.1:3000/done'],
    ['a sibling path sharing the prefix', 'https://app.example/keys-evil'],
    ['dot segments climbing out of the entry', 'https://app.example/keys/../admin'],
    ['encoded dot segments climbing out of the entry', 'https://app.example/keys/%2e%2e/admin'],
    ['another scheme of an allowed host', 'http://app.example/keys'],
    ['another port of an allowed host', 'http://127.0.0.1:3001/'],
    ['user info hiding the host (https://app.example@evil.example)', 'https://app.example@evil.example/keys'],
    ['user info on the allowed host', 'https://evil@app.example/keys'],
    ['a protocol-relative URL (//evil.example)', '//evil.example'],
    ['a backslash-escaped forward slash (/\\evil.example)', '/\\evil.example'],
    ['a scheme without slashes (https:evil.example)', 'https:evil.example'],
    ['an encoded protocol-relative URL (%2F%2Fevil.example)', '%2F%2Fevil.example'],
    ['an encoded second slash (/%2F/evil.example)', '/%2F/evil.example'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a tab inside an allowed URL', 'https://app.example/keys/\t/x'],
    ['a backslash inside an allowed URL', 'https://app.example/keys\\..\\admin'],
    ['a backslash right after the scheme (https:/\\app.example)', 'https:/\\app.example/keys'],
    ['non-ASCII in an allowed URL', 'https://app.example/keys?x=é'],
    ['a repeated value (an array)', ['https://app.example/keys']],
  ])('refuses %s', (_name, input) => {
    expect(allowedRedirect(input, allow)).toBeNull();
  });

  it('refuses every absolute URL when the allow list is empty', () => {
    expect(allowedRedirect('https://app.example/keys', [])).toBeNull();
  });
});

describe('loginRedirectTarget (SSO redirect: relative path or allow list, else the fallback)', () => {
  const FALLBACK = 'https://gh.example.com';
  const allow = ['https://app.example.com/after-login'];
  it.each(['/apps/files?x=1', '/'])('keeps the relative path %s', (p) => {
    expect(loginRedirectTarget(p, allow, FALLBACK)).toBe(p);
  });
  it('keeps an allow-listed absolute URL (query may differ)', () => {
    expect(loginRedirectTarget('https://app.example.com/after-login?tab=2', allow, FALLBACK)).toBe(
      'https://app.example.com/after-login?tab=2',
    );
  });
  it.each([
    ['protocol-relative', '//evil.example'],
    ['backslash-escaped forward slash bypass attempt', '/\\evil.example'],
    ['scheme without slashes', 'https:evil.example'],
    ['credentials before the host', 'https://app@evil.example'],
    ['percent-encoded slashes', '%2F%2Fevil.example'],
    ['encoded slashes after one', '/%2F%2Fevil.example'],
    ['javascript: URL', 'javascript:alert(1)'],
    ['an allow-listed host with another path', 'https://app.example.com/other'],
    ['userinfo that looks like the allowed host', 'https://app.example.com@evil.example/after-login'],
    ['missing', undefined],
    ['not a string', ['/a']],
  ])('falls back on %s', (_name, input) => {
    expect(loginRedirectTarget(input, allow, FALLBACK)).toBe(FALLBACK);
  });
});
