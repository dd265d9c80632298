import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { Pool, type Dispatcher } from 'undici';
import { GatehouseError } from '@gatehouse/shared';
import { failoverConnector } from './failover-connector.js';
import type { CookieGuard } from './gatehouse-cookies.js';
import { clientResponseHeaders } from './upstream-headers.js';
import { sendJsonError } from './responses.js';
import { upstreamFailure } from './upstream-failure.js';

/**
 * Keep-alive connection pools (undici), one per upstream origin. An origin listed in `instances`
 * (the first URL of a multi-instance endpoint → all of its URLs) connects through the
 * failover connector: its pool spreads connections over the instances and skips dead ones.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();
  /** Routes hold their upstream URL for life: its pool is found without recomputing the origin. */
  private byUrl = new WeakMap<URL, Pool>();
  constructor(
    private readonly maxSockets: number,
    private readonly instances: ReadonlyMap<string, readonly URL[]> = new Map(),
  ) {}

  poolFor(url: URL): Pool {
    const known = this.byUrl.get(url);
    if (known) return known;
    let p = this.pools.get(url.origin);
    if (!p) {
      // No undici timeouts: forwardHttp bounds the wait for response headers itself (→ 504), and a
      // streamed response (server-sent events) may stay quiet for as long as it likes, as before.
      const targets = this.instances.get(url.origin);
      p = new Pool(url.origin, {
        connections: this.maxSockets,
        pipelining: 1,
        headersTimeout: 0,
        bodyTimeout: 0,
        ...(targets && targets.length > 1 ? { connect: failoverConnector(targets) } : {}),
      });
      this.pools.set(url.origin, p);
    }
    this.byUrl.set(url, p);
    return p;
  }

  destroy(): void {
    for (const p of this.pools.values()) void p.destroy().catch(() => undefined);
    this.pools.clear();
    this.byUrl = new WeakMap();
  }
}

/** A route's upstream base path without trailing slashes, computed once per upstream URL. */
const basePaths = new WeakMap<URL, string>();

export function upstreamPath(base: URL, path: string, query: string): string {
  let prefix = basePaths.get(base);
  if (prefix === undefined) basePaths.set(base, (prefix = base.pathname.replace(/\/+$/, '')));
  return `${prefix}${path}${query}`;
}

export interface ForwardOptions {
  base: URL;
  path: string;
  headers: OutgoingHttpHeaders;
  timeoutMs: number;
  maxBodyBytes: number;
  pools: UpstreamPools;
  /** Keeps the upstream from setting Gatehouse's cookies (unset: the route passes them, `passCookies`). */
  cookies?: CookieGuard | undefined;
  /** Called once with the upstream status (or 502/503/504/413) for metrics and logs. */
  done: (status: number) => void;
}

/**
 * Streams a request to the upstream and the answer back, without buffering either body
 * (backpressure both ways: the request body through pipe, the response by pausing the upstream
 * while the client socket is full). No response headers within `timeoutMs` → 504; a refused
 * connection → 503 (upstreamFailure); other connection failures → 502; a body over `maxBodyBytes` → 413 and both sides closed.
 */
export function forwardHttp(req: IncomingMessage, res: ServerResponse, o: ForwardOptions): void {
  let finished = false;
  const finish = (status: number) => {
    if (finished) return;
    finished = true;
    o.done(status);
  };
  let controller: Dispatcher.DispatchController | undefined;
  /** Why the proxy gave up on the upstream call; applied as soon as undici hands out its controller. */
  let abortReason: Error | undefined;
  const abort = (reason: Error) => {
    if (abortReason) return;
    abortReason = reason;
    controller?.abort(reason);
  };
  let timedOut = false;
  let tooLarge = false;
  let responded = false;
  const timer = setTimeout(() => {
    timedOut = true;
    fail(new Error('upstream timeout'));
  }, o.timeoutMs);
  /** Upstream failure: 502/504 before the answer started, a cut connection after. */
  const fail = (err: Error) => {
    clearTimeout(timer);
    abort(err);
    if (tooLarge || finished) {
      if (responded && !res.writableFinished) res.destroy();
      return;
    }
    if (res.headersSent) {
      res.destroy();
      finish(502);
      return;
    }
    const e = upstreamFailure(err, timedOut);
    sendJsonError(res, e);
    finish(e.httpStatus);
  };

  // The body goes through a PassThrough undici may destroy without touching the client's socket
  // (a 413 or 502 must still reach the client). No body announced: none sent.
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
  let body: PassThrough | null = null;
  if (hasBody) {
    body = new PassThrough();
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > o.maxBodyBytes && !tooLarge) {
        tooLarge = true;
        clearTimeout(timer);
        abort(new Error('request body too large'));
        if (!res.headersSent) res.setHeader('connection', 'close');
        sendJsonError(res, new GatehouseError('PAYLOAD_TOO_LARGE'));
        finish(413);
        req.unpipe(body!);
        req.resume();
      }
    });
    req.pipe(body);
  }

  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(c) {
      controller = c;
      if (abortReason) c.abort(abortReason);
    },
    onResponseStart(c, statusCode, headers, statusMessage) {
      if (tooLarge || finished) return c.abort(abortReason ?? new Error('request already answered'));
      clearTimeout(timer);
      responded = true;
      const out = clientResponseHeaders(headers, o.cookies);
      res.writeHead(statusCode, statusMessage, out);
      // Server-sent events and other streams (no Content-Length): send headers now, chunks as they
      // come. A sized body goes out with its headers in one write.
      if (out['content-length'] === undefined) res.flushHeaders();
      finish(statusCode);
    },
    onResponseData(c, chunk) {
      if (!res.write(chunk)) {
        c.pause();
        res.once('drain', () => c.resume());
      }
    },
    onResponseEnd() {
      res.end();
    },
    onResponseError(_c, err) {
      fail(err);
    },
  };
  res.on('close', () => {
    clearTimeout(timer);
    if (!res.writableFinished) abort(new Error('client went away'));
  });
  // Request headers were built by upstreamRequestHeaders (hop-by-hop and Host removed). Expect was
  // answered by this server already (node sends 100 Continue); undici refuses to send it on.
  const headers = o.headers.expect === undefined ? o.headers : withoutExpect(o.headers);
  o.pools
    .poolFor(o.base)
    .dispatch(
      { origin: originOf(o.base), method: req.method ?? 'GET', path: o.path, headers: headers as Record<string, string | string[]>, body },
      handler,
    );
}

function withoutExpect(h: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const { expect: _expect, ...rest } = h;
  return rest;
}

/** A route's upstream origin, computed once per upstream URL (URL#origin builds a new string per call). */
const origins = new WeakMap<URL, string>();
function originOf(url: URL): string {
  let o = origins.get(url);
  if (o === undefined) origins.set(url, (o = url.origin));
  return o;
}
