import { type ConfigError, builtinClientSecret } from '@gatehouse/shared';
import { loadConfig } from './config.js';

const SECRET = 'x'.repeat(40);
const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig({ GATEHOUSE_SECRET: SECRET, ...env });
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
};

describe('auth-apikey config', () => {
  it('defaults to the built-in IdP at PUBLIC_URL/oidc with a client secret derived from GATEHOUSE_SECRET', () => {
    const c = loadConfig({ GATEHOUSE_SECRET: SECRET, PUBLIC_URL: 'https://gatehouse.example/' });
    expect(c).toMatchObject({
      oidcIssuer: 'https://gatehouse.example/oidc',
      AUTH_APIKEY_OIDC_CLIENT_ID: 'gatehouse-apikey',
      oidcClientSecret: builtinClientSecret(SECRET, 'gatehouse-apikey'),
      callbackUrl: 'https://gatehouse.example/apikey/oauthcallback',
      AUTH_APIKEY_HTTP_ADDR: '127.0.0.1:9240',
      AUTH_APIKEY_GRPC_ADDR: '127.0.0.1:9241',
      AUTH_APIKEY_DEBUG_ADDR: '127.0.0.1:9245',
      AUTH_APIKEY_TOKEN_TTL: 600_000,
      AUTH_APIKEY_MAX_KEYS_PER_USER: 50,
      AUTH_APIKEY_EXCHANGE_RATE_PER_KEY: 60,
      AUTH_APIKEY_EXCHANGE_RATE_PER_ADDRESS: 600,
      AUTH_APIKEY_EXCHANGE_RATE_WINDOW: 60_000,
      AUTH_APIKEY_STATE_TTL: 600_000,
      AUTH_APIKEY_SCOPES: [],
      AUTH_APIKEY_TRUST_PROXY: { entries: ['loopback'] },
    });
  });

  it('presents the secret the built-in IdP registers: AUTH_OIDC_APIKEY_CLIENT_SECRET, the same variable auth-bearer reads', () => {
    const shared = 'b'.repeat(40);
    expect(loadConfig({ GATEHOUSE_SECRET: SECRET, AUTH_OIDC_APIKEY_CLIENT_SECRET: shared }).oidcClientSecret).toBe(shared);
    expect(
      loadConfig({ GATEHOUSE_SECRET: SECRET, AUTH_APIKEY_OIDC_CLIENT_SECRET: shared, AUTH_OIDC_APIKEY_CLIENT_SECRET: shared }),
    ).toMatchObject({
      oidcClientSecret: shared,
    });
    expect(problemsOf({ AUTH_APIKEY_OIDC_CLIENT_SECRET: 'c'.repeat(40), AUTH_OIDC_APIKEY_CLIENT_SECRET: shared })).toEqual([
      expect.stringMatching(/^AUTH_APIKEY_OIDC_CLIENT_SECRET: differs from AUTH_OIDC_APIKEY_CLIENT_SECRET/),
    ]);
    // Another issuer: the built-in client's secret is not sent there.
    expect(
      loadConfig({
        GATEHOUSE_SECRET: SECRET,
        AUTH_APIKEY_OIDC_ISSUER_URL: 'https://idp.example',
        AUTH_APIKEY_OIDC_CLIENT_SECRET: 's'.repeat(20),
        AUTH_OIDC_APIKEY_CLIENT_SECRET: shared,
      }).oidcClientSecret,
    ).toBe('s'.repeat(20));
  });

  it('refuses another client id at the built-in IdP without its own secret (the IdP registers only gatehouse-apikey)', () => {
    expect(problemsOf({ AUTH_APIKEY_OIDC_CLIENT_ID: 'my-keys' })).toEqual([expect.stringMatching(/^AUTH_APIKEY_OIDC_CLIENT_ID: /)]);
    expect(problemsOf({ AUTH_APIKEY_OIDC_CLIENT_ID: 'my-keys', AUTH_APIKEY_OIDC_CLIENT_SECRET: 's'.repeat(20) })).toEqual([]);
  });

  it('requires a client secret for any other issuer, and takes a given one as is', () => {
    expect(problemsOf({ AUTH_APIKEY_OIDC_ISSUER_URL: 'https://idp.example' })).toEqual([
      expect.stringMatching(/^AUTH_APIKEY_OIDC_CLIENT_SECRET: required/),
    ]);
    const c = loadConfig({
      GATEHOUSE_SECRET: SECRET,
      AUTH_APIKEY_OIDC_ISSUER_URL: 'https://idp.example/',
      AUTH_APIKEY_OIDC_CLIENT_SECRET: 's'.repeat(20),
    });
    expect(c).toMatchObject({ oidcIssuer: 'https://idp.example', oidcClientSecret: 's'.repeat(20) });
  });

  it('accepts a plain-http issuer only on loopback', () => {
    const secret = { AUTH_APIKEY_OIDC_CLIENT_SECRET: 's'.repeat(20) };
    expect(problemsOf({ ...secret, AUTH_APIKEY_OIDC_ISSUER_URL: 'http://127.0.0.1:4000' })).toEqual([]);
    expect(problemsOf({ ...secret, AUTH_APIKEY_OIDC_ISSUER_URL: 'http://idp.example' })).toEqual([
      expect.stringMatching(/^AUTH_APIKEY_OIDC_ISSUER_URL: must be https/),
    ]);
  });

  it('lists every bad variable at once', () => {
    const problems = problemsOf({
      AUTH_APIKEY_SCOPES: 'read,bad scope',
      AUTH_APIKEY_REDIRECT_ALLOW_LIST: 'javascript:alert(1)',
      AUTH_APIKEY_TRUST_PROXY: 'everyone',
      AUTH_APIKEY_OIDC_SCOPE: 'offline_access',
      AUTH_APIKEY_MAX_KEYS_PER_USER: '0',
    });
    expect(problems.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining([
        'AUTH_APIKEY_SCOPES',
        'AUTH_APIKEY_REDIRECT_ALLOW_LIST',
        'AUTH_APIKEY_TRUST_PROXY',
        'AUTH_APIKEY_OIDC_SCOPE',
        'AUTH_APIKEY_MAX_KEYS_PER_USER',
      ]),
    );
  });

  it('refuses a revocation retention that does not outlive the tokens', () => {
    expect(problemsOf({ AUTH_APIKEY_TOKEN_TTL: '30m' })).toEqual([expect.stringMatching(/^AUTH_APIKEY_REVOCATION_RETENTION/)]);
    expect(problemsOf({ AUTH_APIKEY_TOKEN_TTL: '30m', AUTH_APIKEY_REVOCATION_RETENTION: '31m' })).toEqual([]);
  });

  it('trusts nobody’s forwarded address with AUTH_APIKEY_TRUST_PROXY=false', () => {
    const trusted = loadConfig({ GATEHOUSE_SECRET: SECRET, AUTH_APIKEY_TRUST_PROXY: 'false' }).AUTH_APIKEY_TRUST_PROXY;
    expect(trusted.entries).toEqual([]);
    expect(trusted.trusts('127.0.0.1')).toBe(false);
  });
});
