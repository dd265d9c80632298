import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../config.js';
import { issuerOf, loadConfigWithProviders, providersEnv, readProviders, type ProviderUse } from './provider-env.js';

const keycloak = {
  AUTH_PROVIDERS: 'keycloak',
  AUTH_KEYCLOAK_DRIVER: 'openid',
  AUTH_KEYCLOAK_CLIENT_ID: 'gatehouse',
  AUTH_KEYCLOAK_CLIENT_SECRET: 's3cret',
  AUTH_KEYCLOAK_ISSUER_URL: 'https://sso.example.com/realms/main',
};

const problemsOf = (env: Record<string, string>, use: ProviderUse = 'sso') => {
  const problems: string[] = [];
  const providers = readProviders(env, use, problems);
  return { providers, problems };
};

describe('readProviders (AUTH_PROVIDERS and AUTH_<NAME>_*)', () => {
  it('reads an openid provider with Directus defaults', () => {
    const { providers, problems } = problemsOf(keycloak);
    expect(problems).toEqual([]);
    expect(providers).toEqual([
      expect.objectContaining({
        name: 'keycloak',
        driver: 'openid',
        clientId: 'gatehouse',
        issuer: 'https://sso.example.com/realms/main',
        scope: ['openid', 'profile', 'email'],
        identifierKey: 'sub',
        allowPublicRegistration: false,
        mode: 'session',
        trustAccessTokens: false,
        allowInsecureRequests: false,
      }),
    ]);
  });

  it('accepts the full discovery URL and reduces it to the issuer', () => {
    expect(issuerOf('https://sso.example.com/realms/main/.well-known/openid-configuration')).toBe('https://sso.example.com/realms/main');
    expect(issuerOf('https://accounts.example.com/.well-known/openid-configuration')).toBe('https://accounts.example.com');
    expect(issuerOf('https://accounts.example.com/')).toBe('https://accounts.example.com');
  });

  it('defaults the identifier of an oauth2 provider to email', () => {
    const { providers, problems } = problemsOf({
      AUTH_PROVIDERS: 'github',
      AUTH_GITHUB_DRIVER: 'oauth2',
      AUTH_GITHUB_CLIENT_ID: 'c',
      AUTH_GITHUB_AUTHORIZE_URL: 'https://github.com/login/oauth/authorize',
      AUTH_GITHUB_ACCESS_URL: 'https://github.com/login/oauth/access_token',
      AUTH_GITHUB_PROFILE_URL: 'https://api.github.com/user',
    });
    expect(problems).toEqual([]);
    expect(providers[0]).toMatchObject({ driver: 'oauth2', identifierKey: 'email' });
  });

  it.each(['local', 'basic', 'bearer', 'app', 'apikey', 'cli', 'oidc'])('refuses the reserved provider name %s', (name) => {
    expect(problemsOf({ AUTH_PROVIDERS: name }).problems).toEqual([expect.stringContaining(`"${name}" is reserved`)]);
  });

  it('reports every problem at once: bad names, repeats, missing and bad settings, unknown settings', () => {
    const { problems } = problemsOf({
      AUTH_PROVIDERS: 'Key-Cloak,google,google,okta,bad',
      AUTH_GOOGLE_DRIVER: 'openid',
      AUTH_OKTA_DRIVER: 'saml',
      AUTH_OKTA_CLIENTID: 'typo',
      AUTH_BAD_DRIVER: 'openid',
      AUTH_BAD_CLIENT_ID: 'x',
      AUTH_BAD_ISSUER_URL: 'http://idp.example.com',
      AUTH_BAD_MODE: 'json',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('"Key-Cloak" is not a provider name'),
        expect.stringContaining('"google" is listed twice'),
        'AUTH_GOOGLE_CLIENT_ID: required (every provider)',
        'AUTH_GOOGLE_ISSUER_URL: required (driver openid)',
        expect.stringMatching(/^AUTH_OKTA_DRIVER: /),
        expect.stringMatching(/^AUTH_OKTA_CLIENTID: unknown setting/),
        'AUTH_BAD_ISSUER_URL: must be https (plain http only on loopback hosts)',
        expect.stringMatching(/^AUTH_BAD_MODE: /),
        // A bad setting does not hide a missing one of the same provider.
        'AUTH_OKTA_CLIENT_ID: required (every provider)',
      ]),
    );
    // No value is ever echoed (it may be a secret).
    expect(problems.join('\n')).not.toContain('typo');
  });

  it('accepts plain http only on loopback hosts, and marks those providers insecure', () => {
    for (const host of ['127.0.0.1:8080', 'localhost:8080', '[::1]:8080']) {
      const { providers, problems } = problemsOf({ ...keycloak, AUTH_KEYCLOAK_ISSUER_URL: `http://${host}/realms/x` });
      expect(problems).toEqual([]);
      expect(providers[0]!.allowInsecureRequests).toBe(true);
    }
    for (const host of ['10.0.0.1', '127.0.0.1.nip.io', 'idp.internal']) {
      const { problems } = problemsOf({ ...keycloak, AUTH_KEYCLOAK_ISSUER_URL: `http://${host}/` });
      expect(problems).toEqual(['AUTH_KEYCLOAK_ISSUER_URL: must be https (plain http only on loopback hosts)']);
    }
  });

  it('reads the client secret from AUTH_<NAME>_CLIENT_SECRET_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-provider-'));
    writeFileSync(join(dir, 'secret'), 'from-file\n');
    const env: Record<string, string> = { ...keycloak, AUTH_KEYCLOAK_CLIENT_SECRET_FILE: join(dir, 'secret') };
    delete env.AUTH_KEYCLOAK_CLIENT_SECRET;
    expect(problemsOf(env).providers[0]!.clientSecret).toBe('from-file');
  });

  it('for trusted access tokens needs an issuer and an audience that is not the client id', () => {
    const trusted = { ...keycloak, AUTH_KEYCLOAK_TRUST_ACCESS_TOKENS: 'true' };
    expect(problemsOf(trusted, 'access-tokens').problems).toEqual([expect.stringMatching(/^AUTH_KEYCLOAK_AUDIENCE: required/)]);
    expect(problemsOf({ ...trusted, AUTH_KEYCLOAK_AUDIENCE: 'gatehouse' }, 'access-tokens').problems).toEqual([
      'AUTH_KEYCLOAK_AUDIENCE: must differ from the client id',
    ]);
    const ok = problemsOf({ ...trusted, AUTH_KEYCLOAK_AUDIENCE: 'api' }, 'access-tokens');
    expect(ok.problems).toEqual([]);
    expect(ok.providers[0]).toMatchObject({ trustAccessTokens: true, audience: 'api' });
    // The proxy does not need the client secret or the login settings.
    expect(problemsOf({ AUTH_PROVIDERS: 'keycloak', AUTH_KEYCLOAK_DRIVER: 'openid' }, 'access-tokens').problems).toEqual([]);
  });

  it('lists provider problems together with the schema problems', () => {
    const schema = z.object({ ...providersEnv, NEEDED: z.string() });
    let err: unknown;
    try {
      loadConfigWithProviders(schema, { AUTH_PROVIDERS: 'oidc' }, 'sso');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      expect.stringMatching(/^NEEDED: required/),
      expect.stringContaining('"oidc" is reserved'),
    ]);
    expect(loadConfigWithProviders(schema, { ...keycloak, NEEDED: 'x' }, 'sso').providers).toHaveLength(1);
  });
});
