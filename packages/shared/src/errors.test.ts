import { status as GrpcStatus } from '@grpc/grpc-js';
import { ERROR_CODES, GatehouseError, errorBody, isErrorCode, isGatehouseError, toGatehouseError, type ErrorCode } from './errors.js';

const codes = Object.keys(ERROR_CODES) as ErrorCode[];

describe('error codes', () => {
  it('map every code to exactly one HTTP error status and one known gRPC status', () => {
    const grpcStatuses = new Set(Object.values(GrpcStatus).filter((v) => typeof v === 'number'));
    for (const code of codes) {
      const e = new GatehouseError(code);
      expect(e.httpStatus).toBe(ERROR_CODES[code].http);
      expect(e.httpStatus).toBeGreaterThanOrEqual(400);
      expect(e.httpStatus).toBeLessThan(600);
      expect(grpcStatuses.has(e.grpcStatus)).toBe(true);
      // OK would make a failure look like success on the wire.
      expect(e.grpcStatus).not.toBe(GrpcStatus.OK);
      expect(e.message).toBe(ERROR_CODES[code].message);
    }
  });

  it('uses the statuses clients rely on for the common codes', () => {
    const expectations: Array<[ErrorCode, number, GrpcStatus]> = [
      ['INVALID_CREDENTIALS', 401, GrpcStatus.UNAUTHENTICATED],
      ['API_KEY_NOT_ACCEPTED', 401, GrpcStatus.UNAUTHENTICATED],
      ['TOKEN_EXPIRED', 401, GrpcStatus.UNAUTHENTICATED],
      ['FORBIDDEN', 403, GrpcStatus.PERMISSION_DENIED],
      ['INVALID_PAYLOAD', 400, GrpcStatus.INVALID_ARGUMENT],
      ['FAILED_VALIDATION', 400, GrpcStatus.INVALID_ARGUMENT],
      ['PAYLOAD_TOO_LARGE', 413, GrpcStatus.RESOURCE_EXHAUSTED],
      ['REQUESTS_EXCEEDED', 429, GrpcStatus.RESOURCE_EXHAUSTED],
      ['SERVICE_UNAVAILABLE', 503, GrpcStatus.UNAVAILABLE],
      ['INTERNAL', 500, GrpcStatus.INTERNAL],
    ];
    for (const [code, http, grpc] of expectations) {
      expect([code, ERROR_CODES[code].http, ERROR_CODES[code].grpc]).toEqual([code, http, grpc]);
    }
  });

  it('recognises only its own codes', () => {
    expect(isErrorCode('FORBIDDEN')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('__proto__')).toBe(false);
    expect(isErrorCode('forbidden')).toBe(false);
  });
});

describe('toGatehouseError', () => {
  it('keeps a GatehouseError as it is', () => {
    const e = new GatehouseError('FORBIDDEN', { detail: 'private' });
    expect(toGatehouseError(e)).toBe(e);
  });

  it('collapses an unknown error into INTERNAL with the generic message, keeping the original as private detail', () => {
    const ge = toGatehouseError(new TypeError('db password is hunter2'));
    expect(ge.code).toBe('INTERNAL');
    expect(ge.httpStatus).toBe(500);
    expect(ge.message).toBe('An unexpected error occurred.');
    expect(ge.message).not.toContain('hunter2');
    expect(ge.detail).toContain('hunter2');
    expect(errorBody(ge).errors[0]!.message).not.toContain('hunter2');
  });

  it('collapses thrown non-errors (strings, null) into INTERNAL', () => {
    expect(toGatehouseError('boom').code).toBe('INTERNAL');
    expect(toGatehouseError(null).code).toBe('INTERNAL');
    expect(toGatehouseError({ code: 'FORBIDDEN' }).code).toBe('INTERNAL');
  });

  it('rebuilds a look-alike (another module copy) into a real GatehouseError with statuses', () => {
    const lookAlike = { name: 'GatehouseError', code: 'REQUESTS_EXCEEDED', message: 'Slow down.', retryAfter: 7 };
    expect(isGatehouseError(lookAlike)).toBe(true);
    const ge = toGatehouseError(lookAlike);
    expect(ge).toBeInstanceOf(GatehouseError);
    expect(ge.httpStatus).toBe(429);
    expect(ge.retryAfter).toBe(7);
    expect(ge.message).toBe('Slow down.');
  });

  it('does not accept a look-alike with an unknown code', () => {
    expect(isGatehouseError({ name: 'GatehouseError', code: 'NOPE' })).toBe(false);
    expect(toGatehouseError({ name: 'GatehouseError', code: 'NOPE' }).code).toBe('INTERNAL');
  });
});

describe('errorBody', () => {
  it('has the Directus shape {errors:[{message, extensions:{code}}]} and no private detail', () => {
    const body = errorBody(new GatehouseError('INVALID_CREDENTIALS', { detail: 'user 42 wrong password' }));
    expect(body).toEqual({ errors: [{ message: 'Invalid user credentials.', extensions: { code: 'INVALID_CREDENTIALS' } }] });
    expect(JSON.stringify(body)).not.toContain('user 42');
  });

  it('adds public extensions but never lets them override the code', () => {
    const body = errorBody(new GatehouseError('FAILED_VALIDATION', { extensions: { field: 'email', code: 'INTERNAL' } }));
    expect(body.errors[0]!.extensions).toEqual({ field: 'email', code: 'FAILED_VALIDATION' });
  });
});
