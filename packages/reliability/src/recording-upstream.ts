import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createIdentityVerifier, IDENTITY_HEADER, RemoteKeySource, type Identity } from '@gatehouse/shared';

export interface SeenRequest {
  method: string;
  path: string;
  /** The verified X-Gatehouse-Identity, or undefined when missing or not verifiable. */
  identity: Identity | undefined;
  rawHeaders: string[];
}

export interface RecordingUpstream {
  url: string;
  /** Every request received, in order (bounded to the last 10,000). */
  seen: SeenRequest[];
  /** Requests that arrived without a valid identity signed by the proxy: must stay 0. */
  unauthenticated: number;
  /** Requests held open right now (/hang, /slow). */
  open: number;
  /** Trust the proxy's identity keys (its JWKS URL is known once its port is). */
  trust(identityJwksUrl: string): void;
  close(): Promise<void>;
}

/**
 * The upstream behind the proxy in the fault, attack and soak runs. It verifies every request's
 * X-Gatehouse-Identity against the proxy's JWKS, as a real upstream must, and counts the ones that
 * arrive without a valid one (an unauthenticated forward). Paths (after any route prefix):
 * `…/hang` never answers, `…/slow?ms=N` answers after N ms, anything else echoes the request
 * (verified identity and raw headers) as JSON.
 */
export async function startRecordingUpstream(
  /** Its name in the proxy's routes (the `aud` it accepts): `whoami` when it stands behind /whoami. */
  audience = 'whoami',
): Promise<RecordingUpstream> {
  let verify: ((token: string) => Promise<Identity>) | undefined;
  const sockets = new Set<Socket>();
  const up: RecordingUpstream = {
    url: '',
    seen: [],
    unauthenticated: 0,
    open: 0,
    trust(url) {
      verify = createIdentityVerifier({ keys: new RemoteKeySource({ url, cooldownMs: 500 }), audience });
    },
    close: async () => undefined,
  };
  const identityOf = async (req: IncomingMessage): Promise<Identity | undefined> => {
    const header = req.headers[IDENTITY_HEADER];
    if (typeof header !== 'string' || !verify) return undefined;
    return verify(header).catch(() => undefined);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const identity = await identityOf(req);
    const url = new URL(req.url ?? '/', 'http://upstream');
    const seen: SeenRequest = { method: req.method ?? '', path: url.pathname, identity, rawHeaders: req.rawHeaders };
    if (up.seen.length >= 10_000) up.seen.shift();
    up.seen.push(seen);
    if (!identity) up.unauthenticated++;
    if (url.pathname.endsWith('/hang') || url.pathname.endsWith('/slow')) {
      up.open++;
      const ms = url.pathname.endsWith('/slow') ? Number(url.searchParams.get('ms') ?? 1000) : undefined;
      const t = ms === undefined ? undefined : setTimeout(() => res.end(JSON.stringify({ slept: ms })), ms);
      res.on('close', () => {
        up.open--;
        clearTimeout(t);
      });
      req.resume();
      return;
    }
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ identity, method: seen.method, path: seen.path, rawHeaders: seen.rawHeaders }));
    });
  };
  // Room for the 1,000 held-open requests of the hung-upstream test, and their headers.
  const server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => void handle(req, res));
  server.maxConnections = 10_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  up.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  up.close = () =>
    new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return up;
}
