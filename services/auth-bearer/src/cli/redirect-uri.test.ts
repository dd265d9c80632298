import { allowListEntryProblem, checkCliRedirectUri } from './redirect-uri.js';

describe('checkCliRedirectUri', () => {
  const allow = ['https://cli.example.test/done'];

  it.each([
    'http://127.0.0.1:4242/api/auth/callback',
    'http://127.0.0.1/api/auth/callback',
    'http://127.0.0.1:65535/x',
    'http://[::1]:4243/api/auth/callback',
    'https://cli.example.test/done',
  ])('accepts %s', (uri) => expect(checkCliRedirectUri(uri, allow)).toBe(uri));

  it('normalises what it accepts (the same spelling goes to the IdP twice)', () => {
    expect(checkCliRedirectUri('HTTP://127.0.0.1:4242', allow)).toBe('http://127.0.0.1:4242/');
  });

  it.each([
    ['a foreign https host', 'https://evil.example/api/auth/callback'],
    ['localhost', 'http://localhost:4242/api/auth/callback'],
    ['another loopback address than 127.0.0.1', 'http://127.0.0.2:4242/cb'],
    ['a look-alike host', 'http://127.0.0.1.evil.example/cb'],
    ['userinfo', 'http://a:b@127.0.0.1:4242/cb'],
    ['userinfo hiding the host', 'http://127.0.0.1@evil.example/cb'],
    ['a query', 'http://127.0.0.1:4242/cb?x=1'],
    ['an empty query', 'http://127.0.0.1:4242/cb?'],
    ['a fragment', 'http://127.0.0.1:4242/cb#f'],
    ['https on loopback (not RFC 8252)', 'https://127.0.0.1:4242/cb'],
    ['port 0', 'http://127.0.0.1:0/cb'],
    ['a near miss of an allow-list entry', 'https://cli.example.test/done/'],
    ['a relative path', '/api/auth/callback'],
    ['javascript', 'javascript:alert(1)'],
    ['a huge URI', `http://127.0.0.1:4242/${'a'.repeat(3000)}`],
  ])('refuses %s with INVALID_PAYLOAD on field redirect_uri', (_what, uri) => {
    expect(() => checkCliRedirectUri(uri, allow)).toThrow(
      expect.objectContaining({ code: 'INVALID_PAYLOAD', extensions: { field: 'redirect_uri' } }),
    );
  });
});

describe('allowListEntryProblem', () => {
  it('takes https URIs and loopback http, refuses the rest with the entry named', () => {
    expect(allowListEntryProblem('https://cli.example.test/done')).toBeUndefined();
    expect(allowListEntryProblem('http://127.0.0.1:8000/cb')).toBeUndefined();
    expect(allowListEntryProblem('http://cli.example.test/done')).toMatch(/"http:\/\/cli.example.test\/done" must be https/);
    expect(allowListEntryProblem('https://cli.example.test/done?x=1')).toMatch(/query/);
    expect(allowListEntryProblem('not a url')).toMatch(/not an absolute URL/);
  });
});
