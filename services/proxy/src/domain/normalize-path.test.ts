import { parseRoutes } from '../routes/routes-file.js';
import { matchRoute } from './match-route.js';
import { normalizePath } from './normalize-path.js';
import { codeOf } from '@gatehouse/shared/testing';

describe('normalizePath', () => {
  it.each([
    ['/whoami', '/whoami'],
    ['/a//b', '/a/b'],
    ['//admin', '/admin'],
    ['/public/../admin', '/admin'],
    ['/a/./b/', '/a/b/'],
    ['/users/caf%C3%A9', '/users/caf%C3%A9'],
    ['/%61dmin/%7Eme', '/admin/~me'],
  ])('canonicalizes %s to %s', (input, expected) => {
    expect(normalizePath(input).path).toBe(expected);
  });

  it('keeps the query string apart', () => {
    expect(normalizePath('/a/../b?x=../y')).toEqual({ path: '/b', query: '?x=../y' });
  });

  it.each([
    ['encoded dot segments', '/%2e%2e/admin'],
    ['mixed-case encoded dots', '/public/%2E%2e/admin'],
    ['a half-encoded dot segment', '/public/.%2e/admin'],
    ['an encoded slash', '/public%2f..%2fadmin'],
    ['an encoded backslash', '/public%5cadmin'],
    ['a raw backslash', '/public\\..\\admin'],
    ['a double-encoded dot', '/%252e%252e/admin'],
    ['path parameters', '/admin;jsessionid=x'],
    ['a dot segment with parameters', '/public/..;/admin'],
    ['an encoded NUL', '/admin%00.json'],
    ['a climb above the root', '/../admin'],
    ['an absolute-form target', 'http://evil/admin'],
    ['malformed percent-encoding', '/a%zz'],
    ['invalid UTF-8', '/a%c3%28'],
  ])('refuses %s', (_name, input) => {
    expect(codeOf(() => normalizePath(input))).toBe('INVALID_REQUEST');
  });

  it('attack: percent-encoded letters (/public/%61dmin) cannot dodge a protected route under a public prefix', () => {
    const routes = parseRoutes(
      'routes:\n  - { prefix: /public, upstream: "http://u", public: true }\n  - { prefix: /public/admin, upstream: "http://u", roles: [admin] }\n',
      {},
    );
    for (const target of ['/public/%61dmin/x', '/public/%61%64%6D%69%6E', '/%70ublic/admin']) {
      const { path } = normalizePath(target);
      expect(matchRoute(routes, 'GET', path).path).toBe('/public/admin');
    }
  });
});
