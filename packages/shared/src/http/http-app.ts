import { createServer, type Server, type ServerOptions } from 'node:http';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import { splitAddr } from '../observability/debug-server.js';
import { requestContext } from './request-context.js';

/** An Express app with the house defaults: no x-powered-by, request ids, metrics, bounded JSON bodies. */
export function createHttpApp(opts: { logger: Logger; metrics?: Metrics; jsonLimit?: string }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestContext(opts.logger, opts.metrics));
  app.use(express.json({ limit: opts.jsonLimit ?? '64kb' }));
  return app;
}

export interface HttpListener {
  server: Server;
  port: number;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then closes the rest. */
  close(graceMs?: number): Promise<void>;
}

export async function listenHttp(
  handler: Express | Parameters<typeof createServer>[1],
  addr: string,
  opts: {
    headersTimeoutMs?: number;
    requestTimeoutMs?: number;
    maxHeaderSize?: number;
    /** Further node server options (the proxy's keep-alive, host-header and timeout-check settings). */
    server?: Omit<ServerOptions, 'maxHeaderSize' | 'requestTimeout' | 'headersTimeout'>;
    /** Called before listening: attach `upgrade`, `clientError` and similar handlers. */
    configure?: (server: Server) => void;
  } = {},
): Promise<HttpListener> {
  const server = createServer(
    {
      ...opts.server,
      maxHeaderSize: opts.maxHeaderSize ?? 16 * 1024,
      requestTimeout: opts.requestTimeoutMs ?? 30_000,
      headersTimeout: opts.headersTimeoutMs ?? 10_000,
    },
    handler as Parameters<typeof createServer>[1],
  );
  opts.configure?.(server);
  const [host, port] = splitAddr(addr);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address();
  return {
    server,
    port: typeof a === 'object' && a ? a.port : port,
    close: (graceMs = 5000) =>
      new Promise<void>((resolve) => {
        // A kept-alive connection turns idle when its response is out; server.close() only closes
        // the connections idle at the moment it is called, so keep sweeping until the drain is done.
        const sweep = setInterval(() => server.closeIdleConnections(), 25);
        sweep.unref();
        const t = setTimeout(() => {
          server.closeAllConnections();
          done();
        }, graceMs);
        t.unref();
        const done = () => {
          clearInterval(sweep);
          clearTimeout(t);
          resolve();
        };
        server.close(() => done());
        server.closeIdleConnections();
      }),
  };
}
