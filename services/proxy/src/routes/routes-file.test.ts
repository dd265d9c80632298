import { matchRoute } from '../domain/match-route.js';
import { DEFAULT_ROUTES_FILE, loadConfig } from '../config.js';
import { providerRoutes } from './provider-routes.js';
import { loadRoutesFile, parseRoutes } from './routes-file.js';
import { codeOf } from '@gatehouse/shared/testing';

const endpoints = {
  'auth-bearer': 'http://b:1',
  'auth-basic': 'http://c:1',
  'auth-app': 'http://a:1',
  'auth-apikey': 'http://k:1',
  whoami: 'http://w:1',
};

describe('the shipped routes file', () => {
  const routes = loadRoutesFile(DEFAULT_ROUTES_FILE, endpoints);
  it.each([
    ['POST', '/auth/refresh', 'http://b:1/', true],
    ['POST', '/auth/logout', 'http://b:1/', true],
    ['GET', '/oauth/authorize', 'http://b:1/', true],
    ['GET', '/.well-known/jwks.json', 'http://b:1/', true],
    ['GET', '/.well-known/openid-configuration', 'http://b:1/', true],
    ['POST', '/auth/login', 'http://c:1/', true],
    ['POST', '/auth/login/otp', 'http://c:1/', true],
    ['POST', '/auth/password/request', 'http://c:1/', true],
    ['GET', '/auth', 'http://b:1/', true],
    ['POST', '/graphql/system', 'http://c:1/', true],
    ['GET', '/users/me', 'http://c:1/', false],
    ['GET', '/users', 'http://c:1/', false],
    ['POST', '/auth-app/tokens', 'http://a:1/', false],
    ['GET', '/apikey/oauthcallback', 'http://k:1/', true],
    ['GET', '/whoami', 'http://w:1/', false],
  ])('%s %s goes to %s (public %s)', (method, path, upstream, isPublic) => {
    const r = matchRoute(routes, method, path);
    expect(r.upstream.href).toBe(upstream);
    expect(r.public).toBe(isPublic);
  });

  it('sends /auth/login/<provider> and below to auth-bearer for configured providers only; local stays with auth-basic', () => {
    const all = [...routes, ...providerRoutes(['keycloak'], endpoints['auth-bearer'])];
    expect(matchRoute(all, 'GET', '/auth/login/keycloak').upstreamName).toBe('auth-bearer');
    expect(matchRoute(all, 'GET', '/auth/login/keycloak/callback').upstreamName).toBe('auth-bearer');
    expect(matchRoute(all, 'POST', '/auth/login/keycloak/callback').upstreamName).toBe('auth-bearer');
    expect(matchRoute(all, 'POST', '/auth/login/keycloak/backchannel-logout').upstreamName).toBe('auth-bearer');
    expect(matchRoute(all, 'POST', '/auth/login/local').upstreamName).toBe('auth-basic');
    expect(matchRoute(all, 'POST', '/auth/login').upstreamName).toBe('auth-basic');
    expect(matchRoute(all, 'GET', '/auth/login/keycloakx').upstreamName).toBe('auth-basic');
    expect(matchRoute(all, 'GET', '/auth/login/google').upstreamName).toBe('auth-basic');
  });

  it("passes Gatehouse's cookies only to Gatehouse's endpoints that read or set them (passCookies)", () => {
    const all = [...routes, ...providerRoutes(['keycloak'], endpoints['auth-bearer'])];
    const passing = (method: string, path: string) => matchRoute(all, method, path).passCookies;
    for (const [m, p] of [
      ['POST', '/auth/refresh'],
      ['POST', '/auth/logout'],
      ['POST', '/auth/login'],
      ['GET', '/auth/login/keycloak/callback'],
      ['POST', '/graphql/system'],
      ['GET', '/oidc/auth'],
    ])
      expect([m, p, passing(m!, p!)]).toEqual([m, p, true]);
    for (const [m, p] of [
      ['GET', '/whoami'],
      ['GET', '/users/me'],
      ['POST', '/auth-app/tokens'],
      ['GET', '/auth/sessions'],
      ['POST', '/oauth/token'],
      ['POST', '/auth/password/request'],
      ['GET', '/admin/login'],
      ['GET', '/apikey/oauthcallback'],
    ])
      expect([m, p, passing(m!, p!)]).toEqual([m, p, false]);
  });

  it('does not let /auth-app or /authx fall under /auth', () => {
    expect(matchRoute(routes, 'GET', '/auth-app/x').upstreamName).toBe('auth-app');
    expect(codeOf(() => matchRoute(routes, 'GET', '/authx'))).toBe('ROUTE_NOT_FOUND');
    expect(codeOf(() => matchRoute(routes, 'POST', '/auth'))).toBe('METHOD_NOT_ALLOWED');
  });

  it('routes only GET /apikey/oauthcallback to auth-apikey, nothing else under /apikey', () => {
    expect(codeOf(() => matchRoute(routes, 'POST', '/apikey/oauthcallback'))).toBe('METHOD_NOT_ALLOWED');
    expect(codeOf(() => matchRoute(routes, 'GET', '/apikey/oauthcallback/x'))).toBe('ROUTE_NOT_FOUND');
  });
});

describe('parseRoutes', () => {
  it('accepts operator upstream names and URLs', () => {
    const r = parseRoutes(
      'upstreams: { billing: "http://billing:8080/base" }\nroutes:\n  - { prefix: /billing, upstream: billing, scopes: [billing], timeout: 5s }\n  - { path: /x, upstream: "http://x:1" }\n',
      {},
    );
    expect(r[0]).toMatchObject({ upstreamName: 'billing', scopes: ['billing'], timeoutMs: 5000, public: false });
    expect(r[0]!.upstream.pathname).toBe('/base');
    expect(r[1]!.match).toBe('exact');
  });

  it.each([
    ['an unknown upstream', 'routes:\n  - { prefix: /a, upstream: nowhere }\n'],
    ['both prefix and path', 'routes:\n  - { prefix: /a, path: /a, upstream: "http://x:1" }\n'],
    ['a prefix with a semicolon', 'routes:\n  - { prefix: "/a;b", upstream: "http://x:1" }\n'],
    ['no routes', 'routes: []\n'],
  ])('refuses %s', (_n, text) => {
    expect(() => parseRoutes(text, {})).toThrow(/routes file/);
  });
});

describe('config', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({ GATEHOUSE_SECRET: 's'.repeat(32) });
    expect(c).toMatchObject({
      PROXY_HTTP_ADDR: '127.0.0.1:9200',
      PROXY_GRPC_ADDR: '127.0.0.1:9201',
      PROXY_DEBUG_ADDR: '127.0.0.1:9205',
      PROXY_ENABLE_APP_AUTH: false,
      PROXY_ENABLE_BASIC_AUTH: false,
      PROXY_REVOCATION_MAX_STALENESS: 5000,
      AUTH_BEARER_HTTP_ENDPOINT: 'http://127.0.0.1:9210',
      WHOAMI_HTTP_ENDPOINT: 'http://127.0.0.1:9250',
    });
  });

  it('lists every bad variable at once', () => {
    expect(() => loadConfig({ GATEHOUSE_SECRET: 'short', PROXY_TRUSTED_PROXIES: 'not an ip', PROXY_IDENTITY_TTL: 'soon' })).toThrow(
      /GATEHOUSE_SECRET[\s\S]*PROXY_TRUSTED_PROXIES[\s\S]*PROXY_IDENTITY_TTL/,
    );
  });

  it('keeps the identity header short-lived: PROXY_IDENTITY_TTL defaults to 30s and refuses more', () => {
    expect(loadConfig({ GATEHOUSE_SECRET: 'x'.repeat(40) }).PROXY_IDENTITY_TTL).toBe(30_000);
    expect(() => loadConfig({ GATEHOUSE_SECRET: 'x'.repeat(40), PROXY_IDENTITY_TTL: '60s' })).toThrow(
      /PROXY_IDENTITY_TTL: must be between 1s and 30s/,
    );
  });
});
