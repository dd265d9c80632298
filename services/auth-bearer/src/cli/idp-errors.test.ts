import { Writable } from 'node:stream';
import { ResponseBodyError } from 'openid-client';
import { GatehouseError, createLogger } from '@gatehouse/shared';
import { idpError } from './idp-errors.js';

function capture() {
  const lines: string[] = [];
  const logger = createLogger({
    service: 't',
    level: 'debug',
    destination: new Writable({
      write(c: Buffer, _e, done) {
        lines.push(c.toString());
        done();
      },
    }),
  });
  return { logger, lines };
}

const bodyError = (error: string, status: number, description: string) =>
  Object.assign(Object.create(ResponseBodyError.prototype) as ResponseBodyError, {
    error,
    status,
    message: description,
    error_description: description,
  });

describe('idpError', () => {
  it('turns a refusal into UNAUTHENTICATED naming the OAuth error, and logs neither the message nor its secrets', () => {
    const { logger, lines } = capture();
    const e = idpError(bodyError('invalid_grant', 400, 'code abc123SECRET is spent'), 'https://idp.example', logger);
    expect(e).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/\(invalid_grant\).*Sign in again/) });
    expect(e.message).not.toContain('abc123SECRET');
    expect(lines.join('')).toMatch(/"error":"invalid_grant"/);
    expect(lines.join('')).not.toContain('abc123SECRET');
  });

  it('drops an OAuth error that is not a plain code', () => {
    const { logger } = capture();
    expect(idpError(bodyError('<script>', 400, ''), 'https://idp.example', logger).message).not.toContain('<script>');
  });

  it('turns an unreachable IdP into SERVICE_UNAVAILABLE with Retry-After', () => {
    const { logger } = capture();
    expect(idpError(new TypeError('fetch failed'), 'https://idp.example', logger)).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      retryAfter: 5,
    });
    expect(idpError(Object.assign(new Error('t'), { code: 'OAUTH_TIMEOUT' }), 'https://idp.example', logger)).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
  });

  it("treats openid-client's argument errors and response checks as refusals, and keeps GatehouseErrors", () => {
    const { logger } = capture();
    const arg = Object.assign(new TypeError('bad'), { code: 'ERR_INVALID_ARG_VALUE' });
    expect(idpError(arg, 'https://idp.example', logger)).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(idpError(Object.assign(new Error('x'), { code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' }), 'i', logger)).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    const kept = new GatehouseError('USER_SUSPENDED');
    expect(idpError(kept, 'i', logger)).toBe(kept);
  });
});
