import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IDENTITY_HEADER } from '@gatehouse/shared';

export interface HeaderTap {
  url: string;
  /** Where requests go on (set once the service behind it has its port). */
  target: string;
  /** Every X-Gatehouse-Identity that passed, in order. */
  identities: string[];
  close(): Promise<void>;
}

/**
 * A transparent HTTP hop in front of a service that records the identity headers the proxy sends
 * it: what the service's access log, a sidecar or anyone on its network path could keep. Requests
 * and answers pass unchanged.
 */
export async function startHeaderTap(): Promise<HeaderTap> {
  const tap: HeaderTap = { url: '', target: '', identities: [], close: async () => undefined };
  const server = createServer((req: IncomingMessage, res) => {
    const id = req.headers[IDENTITY_HEADER];
    if (typeof id === 'string' && tap.identities.length < 10_000) tap.identities.push(id);
    const to = new URL(req.url ?? '/', tap.target);
    const up = request(to, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tap.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tap.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return tap;
}
