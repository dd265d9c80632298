import { Metadata } from '@grpc/grpc-js';
import { createLogger } from './logger.js';
import { lineCapture as capture } from './testing/captured-logger.js';

const PLANTED = 'PLANTED-SECRET-7f3a9c';

describe('logger redaction', () => {
  it('never writes a planted secret, wherever it hides, while keeping normal fields', () => {
    const out = capture();
    const log = createLogger({ service: 'test', destination: out.stream });
    log.info({ password: PLANTED, user: 'alice@example.com' }, 'login');
    log.info({ body: { password: PLANTED, new_password: PLANTED, email: 'bob@example.com' } }, 'change');
    log.info({ token: PLANTED, refresh_token: PLANTED, access_token: PLANTED, id_token: PLANTED }, 'tokens');
    log.info({ client: { client_secret: PLANTED, client_id: 'app-1' } }, 'client');
    log.info(
      {
        req: {
          method: 'GET',
          url: '/whoami',
          headers: { authorization: `Bearer ${PLANTED}`, cookie: `s=${PLANTED}`, 'x-gatehouse-identity': PLANTED, host: 'h' },
        },
      },
      'request',
    );
    log.info({ res: { statusCode: 200, headers: { 'set-cookie': [`r=${PLANTED}`] } } }, 'response');
    log.info({ headers: { authorization: `Basic ${PLANTED}`, 'proxy-authorization': PLANTED } }, 'outbound');
    log.info({ key: PLANTED, privateKey: PLANTED, jwk: { d: 'not-a-field-we-know', key: PLANTED } }, 'keys');
    log.info({ config: { GATEHOUSE_SECRET: PLANTED, LOG_LEVEL: 'info' } }, 'config');
    log.info({ call: { request: { password: PLANTED } } }, 'two levels down');
    log.info({ metadata: { authorization: PLANTED } }, 'grpc');
    log.info({ apiKey: PLANTED, otp: PLANTED, secret: PLANTED }, 'misc');

    const lines = out.lines();
    expect(lines).toHaveLength(12);
    for (const line of lines) expect(line).not.toContain(PLANTED);
    const text = lines.join('\n');
    // Normal fields stay, and redaction is visible (not silently dropped).
    expect(text).toContain('alice@example.com');
    expect(text).toContain('bob@example.com');
    expect(text).toContain('app-1');
    expect(text).toContain('/whoami');
    expect(text).toContain('[REDACTED]');
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ service: 'test', msg: 'login', user: 'alice@example.com', password: '[REDACTED]' });
    expect(typeof first.time).toBe('string');
  });

  it('keeps secrets out of unknown containers, arrays, mixed-case names, header maps, gRPC metadata, query strings and errors', () => {
    const out = capture();
    const log = createLogger({ service: 'test', destination: out.stream });
    log.info({ anything: { deeper: { Password: PLANTED, note: 'kept-1' } } }, 'unknown container');
    log.info({ items: [{ refreshToken: PLANTED, id: 'kept-2' }, [{ api_key: PLANTED }]] }, 'arrays');
    log.info(
      {
        headers: new Map([
          ['Authorization', `Bearer ${PLANTED}`],
          ['accept', 'kept-3'],
        ]),
      },
      'map',
    );
    const md = new Metadata();
    md.set('authorization', `Bearer ${PLANTED}`);
    md.set('x-request-id', 'kept-4');
    log.info({ metadata: md }, 'metadata');
    log.info({ req: { method: 'DELETE', url: `/auth-app/tokens?token=${PLANTED}`, headers: { Cookie: PLANTED } } }, 'query');
    log.info({ err: Object.assign(new Error('kept-5'), { token: PLANTED }) }, 'error');
    log.info({ bindings: 'x' }, 'flat');
    const child = createLogger({ service: 'test', destination: out.stream }).child({ session_token: PLANTED, reqId: 'kept-6' });
    child.info('child bindings');
    const text = out.lines().join('\n');
    expect(out.lines()).toHaveLength(8);
    expect(text).not.toContain(PLANTED);
    for (let i = 1; i <= 6; i++) expect(text).toContain(`kept-${i}`);
    expect(text).toContain('/auth-app/tokens');
  });

  it('redacts in child loggers too (request and call loggers)', () => {
    const out = capture();
    const child = createLogger({ service: 'test', destination: out.stream }).child({ reqId: 'r-1' });
    child.warn({ body: { refresh_token: PLANTED } }, 'refresh');
    expect(out.lines()[0]).not.toContain(PLANTED);
    expect(out.lines()[0]).toContain('r-1');
  });

  it('honours the level', () => {
    const out = capture();
    const log = createLogger({ service: 'test', level: 'warn', destination: out.stream });
    log.info('hidden');
    log.warn('shown');
    expect(out.lines()).toHaveLength(1);
  });
});
