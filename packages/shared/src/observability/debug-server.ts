import { createServer, type Server } from 'node:http';
import type { Metrics } from './metrics.js';

/** A named readiness check: resolves when the dependency is reachable, throws otherwise. */
export type ReadinessCheck = { name: string; check: () => Promise<void> };

export interface DebugServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The debug listener every service has: /healthz (process up), /readyz (dependencies reachable,
 * each check bounded by `checkTimeoutMs`) and /metrics (Prometheus).
 */
export async function startDebugServer(opts: {
  addr: string;
  metrics: Metrics;
  checks: ReadinessCheck[];
  checkTimeoutMs?: number;
}): Promise<DebugServer> {
  const timeout = opts.checkTimeoutMs ?? 1000;
  const server: Server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url === '/healthz') return send(200, JSON.stringify({ status: 'ok' }));
    if (url === '/readyz') {
      void Promise.all(
        opts.checks.map(async (c) => {
          let timer: NodeJS.Timeout | undefined;
          try {
            await Promise.race([
              c.check(),
              new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`timeout after ${timeout} ms`)), timeout))),
            ]);
            return [c.name, 'ok'] as const;
          } catch (err) {
            return [c.name, `fail: ${err instanceof Error ? err.message : String(err)}`] as const;
          } finally {
            clearTimeout(timer);
          }
        }),
      ).then((results) => {
        const ok = results.every(([, r]) => r === 'ok');
        send(ok ? 200 : 503, JSON.stringify({ status: ok ? 'ready' : 'not ready', checks: Object.fromEntries(results) }));
      });
      return;
    }
    if (url === '/metrics') {
      opts.metrics.registry.metrics().then(
        (m) => send(200, m, opts.metrics.registry.contentType),
        () => send(500, JSON.stringify({ errors: [{ message: 'An unexpected error occurred.', extensions: { code: 'INTERNAL' } }] })),
      );
      return;
    }
    send(404, JSON.stringify({ errors: [{ message: 'Route not found.', extensions: { code: 'ROUTE_NOT_FOUND' } }] }));
  });
  const [host, port] = splitAddr(opts.addr);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Scrapers keep connections alive; nothing here is worth waiting for.
        server.closeAllConnections();
      }),
  };
}

/** "127.0.0.1:9205" → ["127.0.0.1", 9205]; ":9205" binds all interfaces. */
export function splitAddr(addr: string): [string, number] {
  const i = addr.lastIndexOf(':');
  const host = addr.slice(0, i).replace(/^\[|\]$/g, '');
  return [host === '' ? '0.0.0.0' : host, Number(addr.slice(i + 1))];
}
