import { ConfigError } from '@gatehouse/shared';
import { loadConfig } from './config.js';

const SECRET = { GATEHOUSE_SECRET: 'x'.repeat(32) };

describe('auth-app config', () => {
  it('has the documented defaults', () => {
    const c = loadConfig(SECRET);
    expect(c).toMatchObject({
      AUTH_APP_HTTP_ADDR: '127.0.0.1:9230',
      AUTH_APP_GRPC_ADDR: '127.0.0.1:9231',
      AUTH_APP_DEBUG_ADDR: '127.0.0.1:9235',
      AUTH_APP_MAX_EXPIRY: 2160 * 3_600_000,
      AUTH_APP_ENABLE_IMPERSONATION: false,
      AUTH_APP_REVOKE_ON_PASSWORD_CHANGE: true,
      AUTH_APP_MAX_TOKENS_PER_USER: 1000,
      AUTH_APP_LAST_USED_INTERVAL: 60_000,
      AUTH_APP_USER_CACHE_TTL: 5000,
      AUTH_APP_REVOCATION_RETENTION: 3_600_000,
    });
  });

  it('reads the flags and limits', () => {
    const c = loadConfig({
      ...SECRET,
      AUTH_APP_ENABLE_IMPERSONATION: 'true',
      AUTH_APP_REVOKE_ON_PASSWORD_CHANGE: 'false',
      AUTH_APP_MAX_EXPIRY: '72h',
      AUTH_APP_MAX_TOKENS_PER_USER: '5000',
    });
    expect(c.AUTH_APP_ENABLE_IMPERSONATION).toBe(true);
    expect(c.AUTH_APP_REVOKE_ON_PASSWORD_CHANGE).toBe(false);
    expect(c.AUTH_APP_MAX_EXPIRY).toBe(72 * 3_600_000);
    expect(c.AUTH_APP_MAX_TOKENS_PER_USER).toBe(5000);
  });

  it('lists every bad variable at once', () => {
    let err: unknown;
    try {
      loadConfig({
        GATEHOUSE_SECRET: 'short',
        AUTH_APP_ENABLE_IMPERSONATION: 'maybe',
        AUTH_APP_MAX_EXPIRY: 'forever',
        AUTH_APP_MAX_TOKENS_PER_USER: '0',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const name of ['GATEHOUSE_SECRET', 'AUTH_APP_ENABLE_IMPERSONATION', 'AUTH_APP_MAX_EXPIRY', 'AUTH_APP_MAX_TOKENS_PER_USER'])
      expect(problems).toContain(name);
  });
});
