import { readFileSync } from 'node:fs';
import {
  connect,
  constants,
  createSecureServer,
  createServer,
  type ClientHttp2Session,
  type Http2Server,
  type Http2SecureServer,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { IDENTITY_HEADER, splitAddr, type GrpcTlsConfig, type Logger } from '@gatehouse/shared';
import { unmapIpv4 } from '@gatehouse/shared/net';
import type { Gatekeeper } from '../auth/gatekeeper.js';
import { isSpoofable } from '../http/upstream-headers.js';
import type { ProxyMetrics } from '../observability/proxy-metrics.js';
import type { GrpcOwner } from './grpc-owners.js';

export interface GrpcEntryOptions {
  owners: Map<string, GrpcOwner>;
  gatekeeper: Gatekeeper;
  metrics: ProxyMetrics;
  logger: Logger;
  /** TLS of the entry (server side) and of the connections to the owning services (client side). */
  tls: GrpcTlsConfig;
  /** PROXY_GRPC_TLS_CLIENT_AUTH: whether public callers must present a certificate. */
  entryRequiresClientCert?: boolean;
  /** One line per finished call (service, method, status, auth method). */
  accessLog: boolean;
}

const DROP = new Set([
  ':method',
  ':path',
  ':scheme',
  ':authority',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'host',
  'x-forwarded-for',
]);
const TIMEOUT_UNITS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** setTimeout's ceiling (~24.8 days): a longer delay would fire after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** grpc-timeout (`100m`, `2S`) → ms (capped at what a timer can wait), or undefined. */
export function parseGrpcTimeout(v: string | string[] | undefined): number | undefined {
  const m = typeof v === 'string' ? /^(\d{1,8})([HMSmun])$/.exec(v) : null;
  return m ? Math.min(Number(m[1]) * TIMEOUT_UNITS[m[2]!]!, MAX_TIMER_MS - 100) : undefined;
}

/**
 * The gRPC entry: a transparent HTTP/2 forwarder. Each call goes to the owner of its service
 * (`:path` = /package.Service/Method), after the same access decision as HTTP on its
 * `authorization` metadata. Messages and trailers are streamed both ways untouched, so deadlines
 * (grpc-timeout), streaming and large messages behave as with a direct connection. Refusals are
 * trailers-only responses (UNIMPLEMENTED for unknown services, UNAUTHENTICATED, UNAVAILABLE).
 */
/**
 * The host:port instances of a gRPC target: `host:port`, `dns:///host:port`, or a comma list after
 * `ipv4:` / `ipv6:` (the forms @grpc/grpc-js accepts in the *_GRPC_ENDPOINT variables).
 */
export function grpcTargetAddresses(target: string): string[] {
  const bare = target.replace(/^dns:(\/\/[^/]*\/)?/, '').replace(/^ipv[46]:/, '');
  return bare
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
}

export class GrpcEntry {
  private server: Http2Server | Http2SecureServer | undefined;
  /** Open HTTP/2 sessions by instance address (host:port). */
  private readonly sessions = new Map<string, ClientHttp2Session>();
  /** Per target, which of its instances a new session goes to next. */
  private readonly nextAddress = new Map<string, number>();
  private readonly streams = new Set<ServerHttp2Stream>();

  constructor(private readonly o: GrpcEntryOptions) {}

  async listen(addr: string): Promise<number> {
    const t = this.o.tls;
    if (t.enabled && (!t.certFile || !t.keyFile))
      throw new Error('GATEHOUSE_GRPC_TLS_CERT and GATEHOUSE_GRPC_TLS_KEY are required when TLS is enabled');
    // Without a CA there is nothing to verify client certificates against: refuse rather than run open.
    const requireCert = this.o.entryRequiresClientCert === true;
    if (t.enabled && requireCert && !t.caFile) throw new Error('GATEHOUSE_GRPC_TLS_CA is required when PROXY_GRPC_TLS_CLIENT_AUTH is true');
    this.server = t.enabled
      ? createSecureServer({
          cert: readFileSync(t.certFile!),
          key: readFileSync(t.keyFile!),
          ...(t.caFile ? { ca: readFileSync(t.caFile) } : {}),
          requestCert: requireCert,
          rejectUnauthorized: requireCert,
          allowHTTP1: false,
        })
      : createServer();
    this.server.on('stream', (stream, headers) => this.onStream(stream, headers));
    this.server.on('sessionError', () => undefined);
    const [host, port] = splitAddr(addr);
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : port;
  }

  async close(graceMs = 5000): Promise<void> {
    const done = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    const timer = setTimeout(() => {
      for (const s of this.streams) s.close(constants.NGHTTP2_CANCEL);
    }, graceMs);
    timer.unref();
    for (const s of this.sessions.values()) s.close();
    await done;
    clearTimeout(timer);
    for (const s of this.sessions.values()) s.destroy();
    this.sessions.clear();
  }

  private session(target: string): ClientHttp2Session {
    // A gRPC target may name several instances (`ipv4:10.0.0.5:9211,10.0.0.6:9211`, `dns:///name:port`):
    // calls use an open session to any of them, else open one to the next instance in turn, so a
    // dead instance costs the calls on its broken session and the next ones go elsewhere.
    const addrs = grpcTargetAddresses(target);
    for (const a of addrs) {
      const cur = this.sessions.get(a);
      if (cur && !cur.closed && !cur.destroyed) return cur;
    }
    const n = this.nextAddress.get(target) ?? 0;
    this.nextAddress.set(target, n + 1);
    const endpoint = addrs[n % addrs.length]!;
    const t = this.o.tls;
    const s = connect(
      `${t.enabled ? 'https' : 'http'}://${endpoint}`,
      t.enabled
        ? {
            ...(t.caFile ? { ca: readFileSync(t.caFile) } : {}),
            ...(t.certFile && t.keyFile ? { cert: readFileSync(t.certFile), key: readFileSync(t.keyFile) } : {}),
          }
        : {},
    );
    const drop = () => {
      if (this.sessions.get(endpoint) === s) this.sessions.delete(endpoint);
    };
    s.on('error', drop);
    s.on('close', drop);
    s.on('goaway', drop);
    s.unref();
    this.sessions.set(endpoint, s);
    return s;
  }

  private trailersOnly(stream: ServerHttp2Stream, code: number, message: string, extra: OutgoingHttpHeaders = {}): void {
    if (stream.destroyed || stream.closed) return;
    if (stream.headersSent) {
      stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      return;
    }
    stream.respond(
      {
        ':status': 200,
        'content-type': 'application/grpc',
        'grpc-status': String(code),
        'grpc-message': encodeURIComponent(message),
        ...extra,
      },
      { endStream: true },
    );
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    this.streams.add(stream);
    stream.on('close', () => this.streams.delete(stream));
    stream.on('error', () => undefined);
    const path = String(headers[':path'] ?? '');
    const m = /^\/([A-Za-z0-9_.]+)\/([A-Za-z0-9_]+)$/.exec(path);
    const ct = String(headers['content-type'] ?? '');
    if (headers[':method'] !== 'POST' || !ct.startsWith('application/grpc')) {
      if (!stream.headersSent) stream.respond({ ':status': 415 }, { endStream: true });
      return;
    }
    const service = m?.[1] ?? '';
    const method = m?.[2] ?? '';
    const owner = m ? this.o.owners.get(service) : undefined;
    if (!owner) {
      this.answered(service || 'unknown', method || 'unknown', GrpcStatus.UNIMPLEMENTED, 'none');
      return this.trailersOnly(stream, GrpcStatus.UNIMPLEMENTED, `unknown service ${service}`);
    }
    const auth = headers.authorization;
    const ip = stream.session?.socket?.remoteAddress ?? '';
    this.o.gatekeeper
      .decide(
        { authorization: typeof auth === 'string' ? auth : undefined, cookie: undefined, ip },
        { route: `${service}/${method}`, public: owner.publicMethods.has(method), scopes: [], roles: [], audience: owner.audience },
      )
      .then(
        (d) => {
          if (!d.allowed) {
            this.answered(service, method, d.error.grpcStatus, d.method);
            return this.trailersOnly(stream, d.error.grpcStatus, d.error.message, {
              'gatehouse-error-code': d.error.code,
              ...(d.error.retryAfter !== undefined ? { 'retry-after': String(d.error.retryAfter) } : {}),
            });
          }
          const out: OutgoingHttpHeaders = {};
          for (const [k, v] of Object.entries(headers)) {
            if (v === undefined || DROP.has(k) || isSpoofable(k)) continue;
            if (k === 'authorization' && !owner.passAuthorization) continue;
            out[k] = v;
          }
          if (d.identityHeader && d.principal) {
            out[IDENTITY_HEADER] = d.identityHeader;
            out['x-user-id'] = d.principal.identity.sub;
          }
          out['x-forwarded-for'] = unmapIpv4(ip);
          this.forward(
            stream,
            owner,
            path,
            out,
            { service, method, authMethod: d.method, sub: d.principal?.identity.sub },
            parseGrpcTimeout(headers['grpc-timeout']),
          );
        },
        (err: unknown) => {
          this.o.logger.error({ err }, 'grpc entry decision failed');
          this.trailersOnly(stream, GrpcStatus.UNAVAILABLE, 'authentication unavailable');
        },
      );
  }

  private answered(service: string, method: string, code: number, authMethod: string, sub?: string): void {
    this.o.metrics.grpc(service, method, code);
    if (this.o.accessLog)
      this.o.logger.info({ grpc_service: service, grpc_method: method, grpc_status: code, auth_method: authMethod, sub }, 'grpc call');
  }

  private forward(
    stream: ServerHttp2Stream,
    owner: GrpcOwner,
    path: string,
    headers: OutgoingHttpHeaders,
    call: { service: string; method: string; authMethod: string; sub: string | undefined },
    timeoutMs: number | undefined,
  ): void {
    const { service, method, authMethod, sub } = call;
    let up;
    try {
      up = this.session(owner.endpoint).request(
        { ':method': 'POST', ':path': path, ':authority': owner.endpoint, ...headers },
        { endStream: false },
      );
    } catch {
      return this.trailersOnly(stream, GrpcStatus.UNAVAILABLE, 'upstream unavailable');
    }
    let trailers: IncomingHttpHeaders | undefined;
    let status: number | undefined;
    // The proxy enforces the caller's deadline too, so a stuck owner cannot hold the call open.
    const timer =
      timeoutMs !== undefined
        ? setTimeout(() => {
            up.close(constants.NGHTTP2_CANCEL);
            this.trailersOnly(stream, GrpcStatus.DEADLINE_EXCEEDED, 'deadline exceeded');
          }, timeoutMs + 50)
        : undefined;
    const finish = (code: number) => {
      clearTimeout(timer);
      if (status === undefined) {
        status = code;
        this.answered(service, method, code, authMethod, sub);
      }
    };
    up.on('response', (h, flags) => {
      const rest: OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(h)) if (v !== undefined && k !== ':status') rest[k] = v;
      if (stream.destroyed || stream.closed) return;
      // HTTP/2 frame flags are a bit field.
      if (flags & constants.NGHTTP2_FLAG_END_STREAM) {
        finish(Number(h['grpc-status'] ?? GrpcStatus.UNKNOWN));
        stream.respond({ ':status': h[':status'] ?? 200, ...rest }, { endStream: true });
        return;
      }
      stream.respond({ ':status': h[':status'] ?? 200, ...rest }, { waitForTrailers: true });
      up.pipe(stream);
    });
    up.on('trailers', (t: IncomingHttpHeaders) => {
      trailers = t;
    });
    stream.on('wantTrailers', () => {
      const t: OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(
        trailers ?? { 'grpc-status': String(GrpcStatus.INTERNAL), 'grpc-message': 'upstream ended without trailers' },
      ))
        if (v !== undefined) t[k] = v;
      finish(Number(t['grpc-status'] ?? GrpcStatus.UNKNOWN));
      stream.sendTrailers(t);
    });
    up.on('error', () => {
      finish(GrpcStatus.UNAVAILABLE);
      this.trailersOnly(stream, GrpcStatus.UNAVAILABLE, 'upstream unavailable');
    });
    up.on('close', () => {
      if (!stream.headersSent) {
        finish(GrpcStatus.UNAVAILABLE);
        this.trailersOnly(stream, GrpcStatus.UNAVAILABLE, 'upstream closed the call');
      } else if (up.rstCode !== undefined && up.rstCode !== constants.NGHTTP2_NO_ERROR && !stream.closed) {
        stream.close(up.rstCode);
      }
    });
    stream.on('close', () => {
      clearTimeout(timer);
      if (!up.closed) up.close(constants.NGHTTP2_CANCEL);
    });
    stream.pipe(up);
  }
}
