import { loadConfig } from '../config.js';
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
});
