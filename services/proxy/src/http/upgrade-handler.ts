import { request as httpRequest, STATUS_CODES, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { errorBody, GatehouseError } from '@gatehouse/shared';
import { logAccess, type RequestTrace } from '../observability/access-log.js';
import { upstreamPath } from './forward.js';
import { upstreamFailure } from './upstream-failure.js';
import { admit, identityFirst, identityHeaders } from './proxy-handler.js';
import { cookieGuardFor, type ProxyContext } from './proxy-context.js';
import { allowedSetCookies, upstreamRequestHeaders } from './upstream-headers.js';

function writeRaw(socket: Duplex, status: number, headers: Record<string, string | string[]>, body = ''): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`];
  for (const [k, v] of Object.entries({ ...headers, connection: 'close', 'content-length': String(Buffer.byteLength(body)) }))
    for (const x of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${x}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/**
 * WebSocket (and other) upgrades: the same admission as plain requests (authenticated before any
 * byte reaches the upstream), then the raw sockets are piped both ways, over TLS to an https
 * upstream. An authenticated connection is tracked (ctx.sockets) and closed when its credential
 * is revoked.
 */
export function createUpgradeHandler(ctx: ProxyContext): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    const started = process.hrtime.bigint();
    const trace: RequestTrace = { route: 'unmatched', authMethod: 'none' };
    const answered = (status: number) => {
      ctx.metrics.request(trace.route, status, trace.authMethod);
      if (ctx.accessLog) logAccess(ctx.logger, req, status, trace, started);
    };
    socket.on('error', () => socket.destroy());
    const refuse = (err: GatehouseError, headers: Record<string, string | string[]> = {}) => {
      writeRaw(
        socket,
        err.httpStatus,
        {
          'content-type': 'application/json',
          ...headers,
          ...(err.retryAfter !== undefined ? { 'retry-after': String(err.retryAfter) } : {}),
        },
        JSON.stringify(errorBody(err)),
      );
      answered(err.httpStatus);
    };
    if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket')
      return refuse(new GatehouseError('INVALID_REQUEST', { detail: 'only websocket upgrades' }));
    admit(ctx, req, (e, h) => refuse(e, h), trace).then(
      (ok) => {
        if (!ok) return;
        if (!ok.route.websocket) return refuse(new GatehouseError('METHOD_NOT_ALLOWED', { detail: 'route does not accept websockets' }));
        const base = ok.route.upstream;
        const headers = identityFirst(
          identityHeaders(ok.decision.principal?.identity, ok.decision.identityHeader),
          upstreamRequestHeaders(req.rawHeaders, req.headers, {
            remoteAddress: req.socket.remoteAddress ?? '',
            trusted: ctx.trustedPeers.trusts(req.socket.remoteAddress ?? ''),
            encrypted: Boolean((req.socket as TLSSocket).encrypted),
            passAuthorization: ok.route.passAuthorization,
            dropCookies: ok.route.passCookies ? undefined : ctx.ownsCookie,
            upgrade: true,
          }),
        );
        const tls = base.protocol === 'https:';
        const upReq = (tls ? httpsRequest : httpRequest)({
          hostname: base.hostname,
          port: base.port || (tls ? 443 : 80),
          method: req.method,
          path: upstreamPath(base, ok.path, ok.query),
          headers,
        });
        const timer = setTimeout(() => upReq.destroy(new Error('timeout')), ok.route.timeoutMs ?? ctx.defaultTimeoutMs);
        upReq.on('error', (e) => {
          clearTimeout(timer);
          refuse(upstreamFailure(e, e.message === 'timeout'));
        });
        upReq.on('response', (res) => {
          clearTimeout(timer);
          writeRaw(socket, res.statusCode ?? 502, {});
          answered(res.statusCode ?? 502);
          res.resume();
        });
        upReq.on('upgrade', (res, upSocket, upHead) => {
          clearTimeout(timer);
          const guard = cookieGuardFor(ctx, ok.route);
          const lines = [`HTTP/1.1 101 Switching Protocols`];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            const [name, value] = [res.rawHeaders[i]!, res.rawHeaders[i + 1]!];
            if (guard && name.toLowerCase() === 'set-cookie' && allowedSetCookies([value], guard).length === 0) continue;
            lines.push(`${name}: ${value}`);
          }
          socket.write(`${lines.join('\r\n')}\r\n\r\n`);
          if (upHead.length) socket.write(upHead);
          if (head.length) upSocket.write(head);
          // The client may have gone during the handshake: nothing to relay (nor to track).
          if (socket.destroyed) return void upSocket.destroy();
          const principal = ok.decision.principal;
          const untrack = principal
            ? ctx.sockets.add(principal, () => {
                upSocket.destroy();
                socket.destroy();
              })
            : () => undefined;
          upSocket.on('error', () => socket.destroy());
          socket.on('close', () => {
            untrack();
            upSocket.destroy();
          });
          upSocket.on('close', () => socket.destroy());
          upSocket.pipe(socket).pipe(upSocket);
          answered(101);
        });
        upReq.end();
      },
      () => refuse(new GatehouseError('SERVICE_UNAVAILABLE', { retryAfter: 1 })),
    );
  };
}
