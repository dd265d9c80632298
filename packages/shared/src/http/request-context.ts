import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';

/** Assigns a request id (or keeps a sane incoming one), logs the outcome, records metrics by route. */
export function requestContext(logger: Logger, metrics?: Metrics): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    (req as unknown as { log: Logger }).log = logger.child({ reqId: id });
    res.on('finish', () => {
      // The route pattern, never the raw URL: ids in paths would explode the metric's cardinality.
      const path = (req.route as { path?: unknown } | undefined)?.path;
      const route = typeof path === 'string' ? `${req.baseUrl}${path}` : 'unmatched';
      metrics?.observeHttp(route, req.method, res.statusCode, started);
      logger.debug(
        { reqId: id, method: req.method, route, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 },
        'request',
      );
    });
    next();
  };
}
