import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configSchema, loadConfig } from './config.js';

const SECRET = 's'.repeat(40);

describe('config', () => {
  it('documents every environment variable of the schema in the README (the lead builds the docs from it)', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const missing = Object.keys(configSchema.shape).filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('defaults the fallback limiter cap to 10000 and refuses a cap below one login (two subjects)', () => {
    expect(loadConfig({ GATEHOUSE_SECRET: SECRET }).LOGIN_FALLBACK_MAX_ENTRIES).toBe(10_000);
    expect(loadConfig({ GATEHOUSE_SECRET: SECRET, LOGIN_FALLBACK_MAX_ENTRIES: '50' }).LOGIN_FALLBACK_MAX_ENTRIES).toBe(50);
    expect(() => loadConfig({ GATEHOUSE_SECRET: SECRET, LOGIN_FALLBACK_MAX_ENTRIES: '1' })).toThrow(/LOGIN_FALLBACK_MAX_ENTRIES/);
  });

  it('refuses to start in production without a mail transport unless password reset is off (no reset link in an outbox)', () => {
    const prod = { GATEHOUSE_SECRET: SECRET, NODE_ENV: 'production' };
    expect(() => loadConfig(prod)).toThrow(/SMTP_URL: required in production/);
    expect(loadConfig({ ...prod, SMTP_URL: 'smtp://mail:587' }).SMTP_URL).toBe('smtp://mail:587');
    expect(loadConfig({ ...prod, PASSWORD_RESET_ENABLED: 'false' }).PASSWORD_RESET_ENABLED).toBe(false);
    expect(loadConfig({ GATEHOUSE_SECRET: SECRET }).PASSWORD_RESET_ENABLED).toBe(true);
  });
});
