import { createLogger, logFlat } from '../logger.js';
import { lineCapture as capture } from '../testing/captured-logger.js';

describe('logFlat: one line of known fields', () => {
  it('writes exactly what pino writes for the same record: level, time, bindings, fields in order, msg', () => {
    const out = capture();
    const log = createLogger({ service: 'proxy', destination: out.stream }).child({ component: 'http' });
    const record = { method: 'GET', path: '/a', status: 200, decision: 'allow', sub: undefined, ms: 1.5, ok: true };
    log.info(record, 'request');
    logFlat(log, 'info', record, 'request');
    const [viaPino, flat] = out.lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(flat!)).toEqual(Object.keys(viaPino!));
    expect({ ...flat, time: 0 }).toEqual({ ...viaPino, time: 0 });
    expect(flat).toMatchObject({ level: 30, service: 'proxy', component: 'http', method: 'GET', msg: 'request' });
    expect(flat).not.toHaveProperty('sub');
  });

  it('escapes what a client chooses, so a path cannot add fields or lines', () => {
    const out = capture();
    const log = createLogger({ service: 'proxy', destination: out.stream });
    const path = '/x","decision":"allow"}\n{"level":60,"msg":"forged\u2028\ud800';
    logFlat(log, 'info', { path, ms: Number.NaN }, 'request');
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ path, ms: null, msg: 'request' });
    expect(JSON.parse(lines[0]!)).not.toHaveProperty('decision');
  });

  it('redacts a field named like a secret, and writes nothing below the level', () => {
    const out = capture();
    const log = createLogger({ service: 'proxy', level: 'warn', destination: out.stream });
    logFlat(log, 'info', { token: 'PLANTED-SECRET' }, 'request');
    expect(out.lines()).toEqual([]);
    logFlat(log, 'warn', { Token: 'PLANTED-SECRET', password: 'PLANTED-SECRET', path: '/a' }, 'odd');
    expect(out.lines().join('\n')).not.toContain('PLANTED-SECRET');
    expect(JSON.parse(out.lines()[0]!)).toMatchObject({ level: 40, Token: '[REDACTED]', password: '[REDACTED]', path: '/a' });
  });
});
