import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { errorBody, isGatehouseError, toGatehouseError, GatehouseError } from '../errors.js';

/** Writes a GatehouseError as the Directus-shaped JSON body with its one HTTP status. */
export function sendError(res: Response, err: unknown, logger?: Logger): void {
  const ge = toGatehouseError(err);
  if (ge.code === 'INTERNAL') logger?.error({ err }, 'unhandled error');
  if (ge.retryAfter !== undefined) res.setHeader('Retry-After', String(ge.retryAfter));
  res.status(ge.httpStatus).json(errorBody(ge));
}

/**
 * The one Express error translator. Body-parser errors become INVALID_PAYLOAD / PAYLOAD_TOO_LARGE;
 * any other client error Express or body-parser raises (status 4xx, `expose`: a malformed URI, an
 * aborted or mis-sized body) becomes INVALID_REQUEST (or its 404/405/413 code), never a 500.
 */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    // Too late for a clean error body: Express's default handler closes the connection.
    if (res.headersSent) return next(err);
    const e = (typeof err === 'object' && err !== null ? err : {}) as { type?: unknown; status?: unknown };
    if (e.type === 'entity.too.large') return sendError(res, new GatehouseError('PAYLOAD_TOO_LARGE'));
    if (e.type === 'entity.parse.failed')
      return sendError(res, new GatehouseError('INVALID_PAYLOAD', { message: 'Request body is not valid JSON.' }));
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
      return sendError(res, new GatehouseError('INVALID_PAYLOAD', { message: 'Unsupported request body encoding.' }));
    }
    if (!isGatehouseError(err) && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      // Only the status is trusted; the library's message stays private (detail).
      const code =
        e.status === 413
          ? 'PAYLOAD_TOO_LARGE'
          : e.status === 404
            ? 'ROUTE_NOT_FOUND'
            : e.status === 405
              ? 'METHOD_NOT_ALLOWED'
              : 'INVALID_REQUEST';
      return sendError(res, new GatehouseError(code, { detail: err instanceof Error ? err.message : String(err) }));
    }
    sendError(res, err, logger);
  };
}

/** A final handler for unmatched routes: ROUTE_NOT_FOUND in the house JSON shape, not Express's HTML. */
export function notFoundHandler(): RequestHandler {
  return (_req, res) => sendError(res, new GatehouseError('ROUTE_NOT_FOUND'));
}
