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
});
