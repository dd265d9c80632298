import { GRPC_STATUS as GrpcStatus } from './grpc-status.js';

/**
 * Every error code Gatehouse emits, with its one HTTP status and one gRPC status.
 * Codes are stable API: clients switch on them. Add codes here, never inline.
 */
export const ERROR_CODES = {
  INVALID_CREDENTIALS: { http: 401, grpc: GrpcStatus.UNAUTHENTICATED, message: 'Invalid user credentials.' },
  INVALID_TOKEN: { http: 401, grpc: GrpcStatus.UNAUTHENTICATED, message: 'Invalid token.' },
  /** A raw API key presented as a credential: it confers no access until exchanged for an access token. */
  API_KEY_NOT_ACCEPTED: {
    http: 401,
    grpc: GrpcStatus.UNAUTHENTICATED,
    message: 'An API key is not an access token: exchange it first (apikeys.ApiKeyService/ExchangeKeyForToken).',
  },
  TOKEN_EXPIRED: { http: 401, grpc: GrpcStatus.UNAUTHENTICATED, message: 'Token expired.' },
  INVALID_OTP: { http: 401, grpc: GrpcStatus.UNAUTHENTICATED, message: 'Invalid user OTP.' },
  UNAUTHENTICATED: { http: 401, grpc: GrpcStatus.UNAUTHENTICATED, message: 'Authentication required.' },
  USER_SUSPENDED: { http: 401, grpc: GrpcStatus.UNAUTHENTICATED, message: 'User suspended.' },
  FORBIDDEN: { http: 403, grpc: GrpcStatus.PERMISSION_DENIED, message: "You don't have permission to access this." },
  INSUFFICIENT_SCOPE: { http: 403, grpc: GrpcStatus.PERMISSION_DENIED, message: 'Insufficient scope.' },
  /** A cookie-authenticated state change or upgrade from a page of another origin (csrf/csrf-check.ts). */
  CSRF_REJECTED: {
    http: 403,
    grpc: GrpcStatus.PERMISSION_DENIED,
    message: 'Cross-site request refused: this request must come from a Gatehouse page (Origin).',
  },
  NOT_FOUND: { http: 404, grpc: GrpcStatus.NOT_FOUND, message: 'Not found.' },
  ROUTE_NOT_FOUND: { http: 404, grpc: GrpcStatus.UNIMPLEMENTED, message: 'Route not found.' },
  METHOD_NOT_ALLOWED: { http: 405, grpc: GrpcStatus.UNIMPLEMENTED, message: 'Method not allowed.' },
  CONFLICT: { http: 409, grpc: GrpcStatus.ALREADY_EXISTS, message: 'Already exists.' },
  INVALID_PAYLOAD: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT, message: 'Invalid payload.' },
  INVALID_REQUEST: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT, message: 'Invalid request.' },
  FAILED_VALIDATION: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT, message: 'Validation failed.' },
  PAYLOAD_TOO_LARGE: { http: 413, grpc: GrpcStatus.RESOURCE_EXHAUSTED, message: 'Payload too large.' },
  /** More auth mutations in one GraphQL request than AUTH_BASIC_GRAPHQL_MAX_MUTATIONS allows (aliases and fragments count). */
  TOO_MANY_MUTATIONS: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT, message: 'Too many mutations in one request.' },
  HEADERS_TOO_LARGE: { http: 431, grpc: GrpcStatus.RESOURCE_EXHAUSTED, message: 'Request header fields too large.' },
  /** The client took longer than the server allows to send its headers or its request. */
  REQUEST_TIMEOUT: { http: 408, grpc: GrpcStatus.DEADLINE_EXCEEDED, message: 'Request timeout.' },
  REQUESTS_EXCEEDED: { http: 429, grpc: GrpcStatus.RESOURCE_EXHAUSTED, message: 'Too many requests.' },
  SERVICE_UNAVAILABLE: { http: 503, grpc: GrpcStatus.UNAVAILABLE, message: 'Service unavailable.' },
  BAD_GATEWAY: { http: 502, grpc: GrpcStatus.UNAVAILABLE, message: 'Bad gateway.' },
  GATEWAY_TIMEOUT: { http: 504, grpc: GrpcStatus.DEADLINE_EXCEEDED, message: 'Gateway timeout.' },
  UNIMPLEMENTED: { http: 501, grpc: GrpcStatus.UNIMPLEMENTED, message: 'Not implemented.' },
  INTERNAL: { http: 500, grpc: GrpcStatus.INTERNAL, message: 'An unexpected error occurred.' },
  /** SSO: unknown provider, or an account that cannot be entered through this provider (Directus's code). */
  INVALID_PROVIDER: { http: 403, grpc: GrpcStatus.PERMISSION_DENIED, message: 'Invalid provider.' },
  /** SSO: an account exists for the e-mail, but the provider did not assert that the e-mail is verified. */
  EMAIL_NOT_VERIFIED: { http: 401, grpc: GrpcStatus.UNAUTHENTICATED, message: 'The provider did not verify this e-mail address.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface GatehouseErrorOptions {
  /** Public message; defaults to the code's generic message. Never put secrets here. */
  message?: string;
  /** Private detail for logs only. */
  detail?: string;
  /** Seconds, for REQUESTS_EXCEEDED / SERVICE_UNAVAILABLE. */
  retryAfter?: number;
  cause?: unknown;
  /** Extra public fields under `extensions` (e.g. the invalid field). */
  extensions?: Record<string, unknown>;
}

/** The one error type. Domain code throws it; each transport translates it once. */
export class GatehouseError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  readonly retryAfter: number | undefined;
  readonly extensions: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, opts: GatehouseErrorOptions = {}) {
    super(opts.message ?? ERROR_CODES[code].message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'GatehouseError';
    this.code = code;
    this.detail = opts.detail;
    this.retryAfter = opts.retryAfter;
    this.extensions = opts.extensions;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  get grpcStatus(): number {
    return ERROR_CODES[this.code].grpc;
  }
}

export function isGatehouseError(err: unknown): err is GatehouseError {
  return (
    err instanceof GatehouseError ||
    (typeof err === 'object' &&
      err !== null &&
      (err as { name?: unknown }).name === 'GatehouseError' &&
      typeof (err as { code?: unknown }).code === 'string' &&
      (err as { code: string }).code in ERROR_CODES)
  );
}

/**
 * Collapses anything that is not a GatehouseError into INTERNAL (generic public message).
 * A look-alike (right name and code, but from another copy of this module or a plain object) is
 * rebuilt as a real GatehouseError, so `httpStatus`/`grpcStatus` always exist on the result.
 */
export function toGatehouseError(err: unknown): GatehouseError {
  if (err instanceof GatehouseError) return err;
  if (isGatehouseError(err)) {
    const e = err as Partial<GatehouseError> & { code: ErrorCode };
    return new GatehouseError(e.code, {
      ...(typeof e.message === 'string' && e.message !== '' ? { message: e.message } : {}),
      ...(typeof e.detail === 'string' ? { detail: e.detail } : {}),
      ...(typeof e.retryAfter === 'number' ? { retryAfter: e.retryAfter } : {}),
      ...(typeof e.extensions === 'object' && e.extensions !== null ? { extensions: e.extensions } : {}),
      cause: err,
    });
  }
  return new GatehouseError('INTERNAL', { detail: err instanceof Error ? `${err.name}: ${err.message}` : String(err), cause: err });
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}

/** JSON body of an HTTP error response, Directus-shaped. */
export function errorBody(err: GatehouseError): { errors: Array<{ message: string; extensions: Record<string, unknown> }> } {
  return { errors: [{ message: err.message, extensions: { ...(err.extensions ?? {}), code: err.code } }] };
}
