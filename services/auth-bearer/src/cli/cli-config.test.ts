import { loadConfig } from '../config.js';
import { idpClients } from '../idp/clients.js';
import { cliProviderProblems } from './cli-config.js';

const SECRET = 'cli-config-test-secret-0123456789abcdef';

describe('the CLI login configuration', () => {
  it('defaults: the built-in IdP, loopback only, 30 calls per minute', () => {
    const c = loadConfig({ GATEHOUSE_SECRET: SECRET });
    expect(c.AUTH_CLI_PROVIDER).toBeUndefined();
    expect(c.AUTH_CLI_REDIRECT_ALLOW_LIST).toEqual([]);
    expect(c.AUTH_CLI_RATE_LIMIT).toBe(30);
  });

  it('normalises allow-list entries and refuses bad ones, every problem at once', () => {
    expect(
      loadConfig({ GATEHOUSE_SECRET: SECRET, AUTH_CLI_REDIRECT_ALLOW_LIST: 'HTTPS://Cli.Example.test/done' }).AUTH_CLI_REDIRECT_ALLOW_LIST,
    ).toEqual(['https://cli.example.test/done']);
    expect(() =>
      loadConfig({
        GATEHOUSE_SECRET: SECRET,
        AUTH_CLI_REDIRECT_ALLOW_LIST: 'http://cli.example/cb, https://ok.example/cb?x',
        AUTH_CLI_RATE_LIMIT: '0',
      }),
    ).toThrow(/AUTH_CLI_REDIRECT_ALLOW_LIST.*must be https[\s\S]*query[\s\S]*AUTH_CLI_RATE_LIMIT/);
  });

  it('requires AUTH_CLI_PROVIDER to be a listed provider with driver openid', () => {
    const base = { AUTH_PROVIDERS: 'corp,gh', AUTH_CORP_DRIVER: 'openid', AUTH_GH_DRIVER: 'oauth2' };
    expect(cliProviderProblems({ ...base, AUTH_CLI_PROVIDER: 'corp' })).toEqual([]);
    expect(cliProviderProblems({ ...base, AUTH_CLI_PROVIDER: 'other' })).toEqual([expect.stringMatching(/not listed in AUTH_PROVIDERS/)]);
    expect(cliProviderProblems({ ...base, AUTH_CLI_PROVIDER: 'gh' })).toEqual([expect.stringMatching(/driver openid/)]);
    expect(cliProviderProblems({})).toEqual([]);
  });

  it("reports AUTH_CLI_PROVIDER's problem with the others, not after them", () => {
    expect(() => loadConfig({ GATEHOUSE_SECRET: SECRET, AUTH_CLI_PROVIDER: 'nope', ACCESS_TOKEN_TTL: 'soon' })).toThrow(
      /ACCESS_TOKEN_TTL[\s\S]*AUTH_CLI_PROVIDER/,
    );
  });

  it('one list of extra redirects: AuthService accepts them and the built-in IdP registers them for gatehouse-cli', () => {
    const c = loadConfig({ GATEHOUSE_SECRET: SECRET, AUTH_CLI_REDIRECT_ALLOW_LIST: 'https://cli.example.test/done' });
    const cli = idpClients(c).find((x) => x.client_id === 'gatehouse-cli');
    expect(cli?.redirect_uris).toEqual([
      'http://127.0.0.1/api/auth/callback',
      'http://[::1]/api/auth/callback',
      'https://cli.example.test/done',
    ]);
  });

  it('refuses the former AUTH_OIDC_CLI_REDIRECT_URIS at start and names its replacement, rather than ignore it', () => {
    expect(() => loadConfig({ GATEHOUSE_SECRET: SECRET, AUTH_OIDC_CLI_REDIRECT_URIS: 'https://cli.example.test/done' })).toThrow(
      /AUTH_OIDC_CLI_REDIRECT_URIS: replaced by AUTH_CLI_REDIRECT_ALLOW_LIST/,
    );
  });
});
