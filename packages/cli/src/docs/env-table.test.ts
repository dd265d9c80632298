import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PROVIDER_SETTINGS, env } from '@gatehouse/shared';
import { END, START, commentsOf, renderEnvTables, replaceBlock, shapeOf } from './env-table.js';

describe('docs/operations.md environment tables', () => {
  it('match the config schemas (else run `make docs` and commit docs/operations.md)', () => {
    const root = process.cwd();
    const committed = readFileSync(join(root, 'docs/operations.md'), 'utf8');
    const regenerated = replaceBlock(committed, renderEnvTables(root));
    if (regenerated !== committed) {
      throw new Error('docs/operations.md is out of date with the config schemas: run `make docs` and commit docs/operations.md');
    }
  });

  it('lists every variable of every service', () => {
    const block = renderEnvTables(process.cwd());
    for (const name of [
      'GATEHOUSE_SECRET',
      'REDIS_URL',
      'REDIS_SENTINEL_PASSWORD',
      'PROXY_HTTP_ADDR',
      'BCRYPT_COST',
      'AUTH_APP_MAX_EXPIRY',
      'SESSION_REFRESH_GRACE_PERIOD',
      'AUTH_OIDC_BUILTIN',
      'AUTH_OIDC_CLIENTS',
      'AUTH_PROVIDERS',
      'AUTH_BEARER_SSO_STATE_TTL',
    ])
      expect(block).toContain(`| \`${name}\` |`);
    expect(block.startsWith(START) && block.endsWith(END)).toBe(true);
  });

  it('documents the dynamic per-provider variables once, as AUTH_<NAME>_<SETTING>, with who reads each and what it means', () => {
    const rows = renderEnvTables(process.cwd())
      .split('\n')
      .filter((l) => l.startsWith('| `AUTH_<NAME>_'));
    expect(rows).toHaveLength(PROVIDER_SETTINGS.length);
    const row = (setting: string) => rows.find((r) => r.startsWith(`| \`AUTH_<NAME>_${setting}\` |`))!.split(' | ');
    expect(row('DRIVER').slice(1, 4)).toEqual(['auth-bearer, proxy', '**required**', 'openid, oauth2']);
    expect(row('AUDIENCE')[1]).toBe('proxy');
    expect(row('MODE').slice(1, 3)).toEqual(['auth-bearer', '`session`']);
    // Every setting has its meaning (a schema comment); none is left blank.
    expect(rows.filter((r) => r.endsWith('|  |'))).toEqual([]);
  });

  it('reads defaults and accepted values from the schema', () => {
    expect(shapeOf(env.duration('15m'))).toEqual({ required: false, default: '15m', accepts: 'duration (500ms, 30s, 15m, 7d)' });
    expect(shapeOf(env.int(11, 4, 15))).toEqual({ required: false, default: '11', accepts: 'integer ≥ 4 ≤ 15' });
    expect(shapeOf(env.bool(false))).toEqual({ required: false, default: 'false', accepts: 'true, false' });
    expect(shapeOf(env.addr('127.0.0.1:9200'))).toEqual({ required: false, default: '127.0.0.1:9200', accepts: 'host:port' });
    expect(shapeOf(z.string().min(32))).toEqual({ required: true, accepts: 'text' });
    expect(shapeOf(z.string().url().optional())).toEqual({ required: false, accepts: 'URL' });
  });

  it('takes the meaning from the comment above a variable', () => {
    const src = `/** Not about a variable. */\nconst x = 1;\n/**\n * - Z_MAX (5): the most.\n * - W_TTL (1m): how long,\n *   at most.\n * - V (1) and U (2) share one line\n *   that names no single variable.\n */\n  /** Where it listens.\n   * Second line. */\n  X_ADDR: env.addr('a:1'),\n  Y: z.string(),`;
    expect([...commentsOf(src)]).toEqual([
      ['X_ADDR', 'Where it listens. Second line.'],
      ['Z_MAX', 'the most.'],
      ['W_TTL', 'how long, at most.'],
    ]);
  });
});
