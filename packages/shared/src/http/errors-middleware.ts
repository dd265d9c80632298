import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { errorBody, toGatehouseError, GatehouseError } from '../errors.js';

/** Writes a GatehouseError as the Directus-shaped JSON body with its one HTTP status. */
export function sendError(res: Response, err: unknown, logger?: Logger): void {
  const ge = toGatehouseError(err);
  if (ge.code === 'INTERNAL') logger?.error({ err }, 'unhandled error');
  if (ge.retryAfter !== undefined) res.setHeader('Retry-After', String(ge.retryAfter));
  res.status(ge.httpStatus).json(errorBody(ge));
}

/** The one Express error translator. Body-parser errors become INVALID_PAYLOAD / PAYLOAD_TOO_LARGE. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (res.headersSent) return;
    const e = err as { type?: string; status?: number };
    if (e?.type === 'entity.too.large') return sendError(res, new GatehouseError('PAYLOAD_TOO_LARGE'));
    if (e?.type === 'entity.parse.failed' || e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
      return sendError(res, new GatehouseError('INVALID_PAYLOAD', { message: 'Request body is not valid JSON.' }));
    }
    sendError(res, err, logger);
  };
}
