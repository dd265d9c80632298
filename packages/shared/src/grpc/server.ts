import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';
import { toGatehouseError, type GatehouseError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import { serverCredentials, type GrpcTlsConfig } from './tls.js';

/** What a handler gets besides its request. */
export interface CallContext {
  metadata: grpc.Metadata;
  /** Peer address as grpc-js reports it (ipv4:127.0.0.1:5555). */
  peer: string;
  callId: string;
  logger: Logger;
  /** Aborted when the client cancels or the deadline passes. */
  signal: AbortSignal;
}

/** Async handlers derived from proto-loader-gen-types' `XxxHandlers` interfaces. */
// The generated interfaces extend grpc-js's UntypedServiceImplementation (an index signature);
// `string extends K` drops it so only the named RPCs remain.
export type AsyncHandlers<H> = {
  [K in keyof H as string extends K ? never : K]: H[K] extends grpc.handleUnaryCall<infer Req, infer Res>
    ? (req: Req, ctx: CallContext) => Promise<Res>
    : never;
};

export interface GrpcServerOptions {
  logger: Logger;
  metrics?: Metrics;
  tls?: GrpcTlsConfig;
  /** Largest message accepted (default 4 MiB). */
  maxReceiveMessageBytes?: number;
}

/**
 * gRPC server with the standard grpc.health.v1 service, one error translator
 * (GatehouseError → status + `gatehouse-error-code` metadata), per-RPC metrics and graceful shutdown.
 */
export class GrpcServer {
  readonly server: grpc.Server;
  readonly health = new HealthImplementation({ '': 'NOT_SERVING' });
  private readonly serviceNames: string[] = [];
  private readonly opts: GrpcServerOptions;
  /** Open grpc.health.v1 Watch streams, ended by stop(). */
  private readonly watchers = new Set<grpc.ServerWritableStream<unknown, unknown>>();

  constructor(opts: GrpcServerOptions) {
    this.opts = opts;
    this.server = new grpc.Server({
      'grpc.max_receive_message_length': opts.maxReceiveMessageBytes ?? 4 * 1024 * 1024,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 10_000,
      // Clients reconnect every few minutes (GOAWAY, calls in flight finish) and so resolve the
      // target again: instances added behind a DNS name (a scaled-up headless Service) get calls
      // without waiting for an old connection to break.
      'grpc.max_connection_age_ms': 5 * 60_000,
      'grpc.max_connection_age_grace_ms': 30_000,
    });
    // Registered through a shim that remembers Watch streams, so stop() can end them.
    this.health.addToServer({
      addService: (definition: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation) => {
        const watch = impl.watch as grpc.handleServerStreamingCall<unknown, unknown>;
        this.server.addService(definition, {
          ...impl,
          watch: (call: grpc.ServerWritableStream<unknown, unknown>) => {
            this.watchers.add(call);
            const forget = () => this.watchers.delete(call);
            call.on('cancelled', forget);
            call.on('finish', forget);
            watch(call);
          },
        });
      },
    });
  }

  /** Adds a service; `definition` is e.g. `protos.gatehouse.v1.TokenService.service`. */
  add<H>(definition: grpc.ServiceDefinition, impl: AsyncHandlers<H>): this {
    const wrapped: grpc.UntypedServiceImplementation = {};
    const first = Object.values(definition)[0] as { path: string } | undefined;
    const serviceName = first ? first.path.split('/')[1]! : 'unknown';
    this.serviceNames.push(serviceName);
    for (const [name, fn] of Object.entries(impl as Record<string, (req: unknown, ctx: CallContext) => Promise<unknown>>)) {
      wrapped[name] = this.wrap(serviceName, name, fn);
    }
    this.server.addService(definition, wrapped);
    return this;
  }

  private wrap(
    service: string,
    method: string,
    fn: (req: unknown, ctx: CallContext) => Promise<unknown>,
  ): grpc.handleUnaryCall<unknown, unknown> {
    const { logger, metrics } = this.opts;
    return (call, callback) => {
      const started = process.hrtime.bigint();
      const incoming = call.metadata.get('x-request-id')[0];
      const callId = typeof incoming === 'string' && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
      const controller = new AbortController();
      call.on('cancelled', () => controller.abort());
      const ctx: CallContext = {
        metadata: call.metadata,
        peer: call.getPeer(),
        callId,
        logger: logger.child({ callId, rpc: `${service}/${method}` }),
        signal: controller.signal,
      };
      // `new Promise` so a handler that throws synchronously is translated like a rejection.
      new Promise<unknown>((resolve) => resolve(fn(call.request, ctx)))
        .then(
          (res) => {
            metrics?.observeRpc(service, method, controller.signal.aborted ? 'CANCELLED' : 'OK', started);
            callback(null, res);
          },
          (err: unknown) => {
            const ge = toGatehouseError(err);
            if (ge.code === 'INTERNAL') ctx.logger.error({ err }, 'unhandled error in rpc');
            else ctx.logger.debug({ code: ge.code, detail: ge.detail }, 'rpc failed');
            metrics?.observeRpc(service, method, grpc.status[ge.grpcStatus] ?? String(ge.grpcStatus), started);
            callback({ code: ge.grpcStatus, details: ge.message, metadata: errorMetadata(ge) });
          },
        )
        .catch((err: unknown) => ctx.logger.error({ err }, 'grpc callback failed'));
    };
  }

  /** Binds and starts; returns the bound port (pass port 0 for a free one). */
  async listen(addr: string): Promise<number> {
    const port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(addr, serverCredentials(this.opts.tls), (err, p) => (err ? reject(err) : resolve(p)));
    });
    this.setHealth('SERVING');
    return port;
  }

  /**
   * Stops accepting calls, lets in-flight calls finish for up to `graceMs`, then forces.
   * Health turns NOT_SERVING first, and open health Watch streams receive it and are then ended:
   * they never end on their own and would otherwise hold the shutdown for the whole grace period.
   */
  async stop(graceMs = 5000): Promise<void> {
    this.setHealth('NOT_SERVING');
    for (const call of this.watchers) call.end();
    this.watchers.clear();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      timer.unref();
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private setHealth(status: 'SERVING' | 'NOT_SERVING'): void {
    this.health.setStatus('', status);
    for (const s of this.serviceNames) this.health.setStatus(s, status);
  }
}

/** Largest `gatehouse-error-extensions` value sent; bigger extensions are dropped, not truncated. */
const MAX_EXTENSIONS_BYTES = 4096;

/** Trailers that let the client rebuild the same GatehouseError (see fromGrpcError). */
function errorMetadata(ge: GatehouseError): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('gatehouse-error-code', ge.code);
  if (ge.retryAfter !== undefined) md.set('retry-after', String(ge.retryAfter));
  if (ge.extensions && ge.code !== 'INTERNAL') {
    try {
      const json = JSON.stringify(ge.extensions);
      if (Buffer.byteLength(json) <= MAX_EXTENSIONS_BYTES) md.set('gatehouse-error-extensions', json);
    } catch {
      // not serialisable (cycles, BigInt): the code alone still round-trips
    }
  }
  return md;
}
