import { Agent, request, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { GatehouseError } from '@gatehouse/shared';
import { clientResponseHeaders } from './upstream-headers.js';
import { sendJsonError } from './responses.js';

/** Keep-alive connection pools, one per upstream origin. */
export class UpstreamPools {
  private readonly agents = new Map<string, Agent>();
  constructor(private readonly maxSockets: number) {}

  agentFor(url: URL): Agent {
    let a = this.agents.get(url.origin);
    if (!a) {
      const opts = { keepAlive: true, maxSockets: this.maxSockets, maxFreeSockets: 32, scheduling: 'lifo' as const };
      a = url.protocol === 'https:' ? new HttpsAgent(opts) : new Agent(opts);
      this.agents.set(url.origin, a);
    }
    return a;
  }

  destroy(): void {
    for (const a of this.agents.values()) a.destroy();
  }
}

export function upstreamPath(base: URL, path: string, query: string): string {
  return `${base.pathname.replace(/\/+$/, '')}${path}${query}`;
}

export interface ForwardOptions {
  base: URL;
  path: string;
  headers: OutgoingHttpHeaders;
  timeoutMs: number;
  maxBodyBytes: number;
  pools: UpstreamPools;
  /** Called once with the upstream status (or 502/504/413) for metrics and logs. */
  done: (status: number) => void;
}

/**
 * Streams a request to the upstream and the answer back, without buffering either body
 * (backpressure through pipe). No response headers within `timeoutMs` → 504; connection failure →
 * 502; a body over `maxBodyBytes` → 413 and both sides closed.
 */
export function forwardHttp(req: IncomingMessage, res: ServerResponse, o: ForwardOptions): void {
  const isHttps = o.base.protocol === 'https:';
  const upReq = (isHttps ? httpsRequest : request)({
    protocol: o.base.protocol,
    hostname: o.base.hostname,
    port: o.base.port || (isHttps ? 443 : 80),
    method: req.method,
    path: o.path,
    headers: o.headers,
    agent: o.pools.agentFor(o.base),
  });
  let finished = false;
  const finish = (status: number) => {
    if (finished) return;
    finished = true;
    o.done(status);
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    upReq.destroy(new Error('upstream timeout'));
  }, o.timeoutMs);
  let received = 0;
  let tooLarge = false;
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > o.maxBodyBytes && !tooLarge) {
      tooLarge = true;
      clearTimeout(timer);
      upReq.destroy();
      if (!res.headersSent) res.setHeader('connection', 'close');
      sendJsonError(res, new GatehouseError('PAYLOAD_TOO_LARGE'));
      finish(413);
      req.unpipe(upReq);
      req.resume();
    }
  });
  upReq.on('error', () => {
    clearTimeout(timer);
    if (tooLarge) return;
    if (res.headersSent) {
      res.destroy();
      finish(502);
      return;
    }
    const err = timedOut ? new GatehouseError('GATEWAY_TIMEOUT') : new GatehouseError('BAD_GATEWAY');
    sendJsonError(res, err);
    finish(err.httpStatus);
  });
  upReq.on('response', (upRes) => {
    clearTimeout(timer);
    const status = upRes.statusCode ?? 502;
    res.writeHead(status, upRes.statusMessage, clientResponseHeaders(upRes.headers));
    // Server-sent events and other streams: send headers now, chunks as they come.
    res.flushHeaders();
    upRes.pipe(res);
    upRes.on('error', () => res.destroy());
    upRes.on('aborted', () => res.destroy());
    finish(status);
  });
  res.on('close', () => {
    clearTimeout(timer);
    if (!res.writableFinished) upReq.destroy();
  });
  req.pipe(upReq);
}
