import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { commonEnv } from './config-common.js';
import { ConfigError, env, loadConfig } from './config.js';

const SECRET = 'x'.repeat(40);

const schema = z.object({
  ...commonEnv,
  SVC_HTTP_ADDR: env.addr('127.0.0.1:9220'),
  SVC_TTL: env.duration('15m'),
  SVC_FLAG: env.bool(false),
  SVC_LIMIT: env.int(10, 1, 100),
  SVC_ORIGINS: env.list('a, b'),
});

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gh-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('applies defaults when only the required variables are set', () => {
    const c = loadConfig(schema, { GATEHOUSE_SECRET: SECRET });
    expect(c.SVC_HTTP_ADDR).toBe('127.0.0.1:9220');
    expect(c.SVC_TTL).toBe(15 * 60_000);
    expect(c.SVC_FLAG).toBe(false);
    expect(c.SVC_LIMIT).toBe(10);
    expect(c.SVC_ORIGINS).toEqual(['a', 'b']);
    expect(c.GATEHOUSE_GRPC_DEADLINE).toBe(2000);
    expect(c.PUBLIC_URL).toBe('http://127.0.0.1:9200');
  });

  it('lists every bad or missing variable at once', () => {
    const problems = problemsOf(() =>
      loadConfig(schema, {
        SVC_HTTP_ADDR: 'nope',
        SVC_TTL: '1x',
        SVC_FLAG: 'maybe',
        SVC_LIMIT: '1000',
        LOG_LEVEL: 'loud',
        REDIS_URL: 'http://x',
      }),
    );
    const names = problems.map((p) => p.split(':')[0]);
    expect(names.sort()).toEqual(
      ['GATEHOUSE_SECRET', 'LOG_LEVEL', 'REDIS_URL', 'SVC_FLAG', 'SVC_HTTP_ADDR', 'SVC_LIMIT', 'SVC_TTL'].sort(),
    );
    expect(problems.find((p) => p.startsWith('GATEHOUSE_SECRET'))).toMatch(/required/);
  });

  it('never echoes a bad secret value in the error', () => {
    const err = problemsOf(() => loadConfig(schema, { GATEHOUSE_SECRET: 'short-but-secret-value' }));
    expect(err.join('\n')).not.toContain('short-but-secret-value');
    expect(err[0]).toMatch(/^GATEHOUSE_SECRET: /);
  });

  it('treats empty strings as unset', () => {
    const c = loadConfig(schema, { GATEHOUSE_SECRET: SECRET, SVC_LIMIT: '', REDIS_URL: '' });
    expect(c.SVC_LIMIT).toBe(10);
    expect(c.REDIS_URL).toBeUndefined();
  });

  it('reads NAME_FILE secrets from files, without the trailing newline', () => {
    const f = join(dir, 'secret');
    writeFileSync(f, `${SECRET}\n`);
    const c = loadConfig(schema, { GATEHOUSE_SECRET_FILE: f });
    expect(c.GATEHOUSE_SECRET).toBe(SECRET);
  });

  it('rejects NAME and NAME_FILE set together (a secret is never silently shadowed)', () => {
    const f = join(dir, 'secret2');
    writeFileSync(f, SECRET);
    const problems = problemsOf(() => loadConfig(schema, { GATEHOUSE_SECRET: SECRET, GATEHOUSE_SECRET_FILE: f }));
    expect(problems).toEqual([expect.stringMatching(/GATEHOUSE_SECRET and GATEHOUSE_SECRET_FILE are both set/)]);
  });

  it('reports an unreadable or missing secret file together with the other problems', () => {
    const problems = problemsOf(() => loadConfig(schema, { GATEHOUSE_SECRET_FILE: join(dir, 'missing'), SVC_TTL: 'bad' }));
    expect(problems.some((p) => p.startsWith('GATEHOUSE_SECRET_FILE: cannot read') && p.includes('ENOENT'))).toBe(true);
    expect(problems.some((p) => p.startsWith('SVC_TTL'))).toBe(true);
  });

  // Root reads anything, so as root this case is skipped (reported as such, not passed): the
  // ENOENT case above covers the path.
  (process.getuid?.() === 0 ? it.skip : it)('reports a file without read permission', () => {
    const f = join(dir, 'locked');
    writeFileSync(f, SECRET);
    chmodSync(f, 0o000);
    expect(problemsOf(() => loadConfig(schema, { GATEHOUSE_SECRET_FILE: f }))[0]).toMatch(/EACCES/);
  });

  it('refuses an oversized secret file instead of reading it whole', () => {
    const f = join(dir, 'huge');
    writeFileSync(f, Buffer.alloc(200 * 1024, 'a'));
    expect(problemsOf(() => loadConfig(schema, { GATEHOUSE_SECRET_FILE: f }))[0]).toMatch(/GATEHOUSE_SECRET_FILE: cannot read .*EFBIG/);
  });

  it('ignores _FILE variables the schema does not know (COMPOSE_FILE) and keeps NATS_CREDS_FILE a path', () => {
    const creds = join(dir, 'nats.creds');
    writeFileSync(creds, 'creds');
    const c = loadConfig(schema, { GATEHOUSE_SECRET: SECRET, COMPOSE_FILE: join(dir, 'nope.yml'), NATS_CREDS_FILE: creds });
    expect(c.NATS_CREDS_FILE).toBe(creds);
  });
});

describe('env field helpers', () => {
  const one = <T extends z.ZodType>(field: T, value: string | undefined) =>
    (loadConfig(z.object({ V: field }), { V: value }) as { V: unknown }).V as z.output<T>;

  it('duration parses units to ms and rejects garbage', () => {
    expect(one(env.duration('1s'), '72h')).toBe(72 * 3_600_000);
    expect(one(env.duration('1s'), '500')).toBe(500);
    expect(one(env.duration('1s'), undefined)).toBe(1000);
    expect(problemsOf(() => one(env.duration('1s'), '-1h'))[0]).toMatch(/^V: invalid duration/);
  });

  it('bool accepts true/false/1/0/yes/no only', () => {
    expect(one(env.bool(false), 'true')).toBe(true);
    expect(one(env.bool(false), '1')).toBe(true);
    expect(one(env.bool(true), 'no')).toBe(false);
    expect(one(env.bool(true), undefined)).toBe(true);
    expect(problemsOf(() => one(env.bool(false), 'on'))).toHaveLength(1);
  });

  it('int enforces integer and bounds', () => {
    expect(one(env.int(5, 1, 10), '7')).toBe(7);
    expect(problemsOf(() => one(env.int(5, 1, 10), '11'))).toHaveLength(1);
    expect(problemsOf(() => one(env.int(5, 1, 10), '0'))).toHaveLength(1);
    expect(problemsOf(() => one(env.int(5, 1, 10), '2.5'))).toHaveLength(1);
    expect(problemsOf(() => one(env.int(5, 1, 10), 'ten'))).toHaveLength(1);
  });

  it('list splits on commas and drops blanks', () => {
    expect(one(env.list(), ' a ,b,, c ')).toEqual(['a', 'b', 'c']);
    expect(one(env.list(), undefined)).toEqual([]);
  });

  it('jsonArray parses a JSON array of items, [] when unset, and names bad JSON and bad entries', () => {
    const item = z.object({ id: z.string().min(1) });
    expect(one(env.jsonArray(item), '[{"id":"a"}]')).toEqual([{ id: 'a' }]);
    expect(one(env.jsonArray(item), undefined)).toEqual([]);
    expect(problemsOf(() => one(env.jsonArray(item), '[{"id":"a"'))[0]).toMatch(/^V: not valid JSON/);
    expect(problemsOf(() => one(env.jsonArray(item), '[{"id":""}]'))[0]).toMatch(/^V\.0\.id: /);
    expect(problemsOf(() => one(env.jsonArray(item), '{"id":"a"}'))).toHaveLength(1);
  });

  it('addr accepts host:port, :port and [ipv6]:port, rejects ports above 65535', () => {
    expect(one(env.addr(':1'), '127.0.0.1:9200')).toBe('127.0.0.1:9200');
    expect(one(env.addr(':1'), ':0')).toBe(':0');
    expect(one(env.addr(':1'), '[::1]:9200')).toBe('[::1]:9200');
    expect(problemsOf(() => one(env.addr(':1'), '127.0.0.1:99999'))).toHaveLength(1);
    expect(problemsOf(() => one(env.addr(':1'), 'localhost'))).toHaveLength(1);
    expect(problemsOf(() => one(env.addr(':1'), 'a b:80'))).toHaveLength(1);
  });
});
