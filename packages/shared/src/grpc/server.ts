import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';
import { toGatehouseError } from '../errors.js';
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
export type AsyncHandlers<H> = {
  [K in keyof H]: H[K] extends grpc.handleUnaryCall<infer Req, infer Res> ? (req: Req, ctx: CallContext) => Promise<Res> : never;
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

  constructor(opts: GrpcServerOptions) {
    this.opts = opts;
    this.server = new grpc.Server({
      'grpc.max_receive_message_length': opts.maxReceiveMessageBytes ?? 4 * 1024 * 1024,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 10_000,
    });
    this.health.addToServer(this.server);
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

  private wrap(service: string, method: string, fn: (req: unknown, ctx: CallContext) => Promise<unknown>): grpc.handleUnaryCall<unknown, unknown> {
    const { logger, metrics } = this.opts;
    return (call, callback) => {
      const started = process.hrtime.bigint();
      const callId = (call.metadata.get('x-request-id')[0] as string | undefined) ?? randomUUID();
      const controller = new AbortController();
      call.on('cancelled', () => controller.abort());
      const ctx: CallContext = { metadata: call.metadata, peer: call.getPeer(), callId, logger: logger.child({ callId, rpc: `${service}/${method}` }), signal: controller.signal };
      fn(call.request, ctx).then(
        (res) => {
          metrics?.observeRpc(service, method, 'OK', started);
          callback(null, res);
        },
        (err: unknown) => {
          const ge = toGatehouseError(err);
          if (ge.code === 'INTERNAL') ctx.logger.error({ err }, 'unhandled error in rpc');
          else ctx.logger.debug({ code: ge.code, detail: ge.detail }, 'rpc failed');
          const md = new grpc.Metadata();
          md.set('gatehouse-error-code', ge.code);
          if (ge.retryAfter !== undefined) md.set('retry-after', String(ge.retryAfter));
          metrics?.observeRpc(service, method, grpc.status[ge.grpcStatus] ?? String(ge.grpcStatus), started);
          callback({ code: ge.grpcStatus, details: ge.message, metadata: md });
        },
      );
    };
  }

  /** Binds and starts; returns the bound port (pass port 0 for a free one). */
  async listen(addr: string): Promise<number> {
    const port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(addr, serverCredentials(this.opts.tls), (err, p) => (err ? reject(err) : resolve(p)));
    });
    this.health.setStatus('', 'SERVING');
    for (const s of this.serviceNames) this.health.setStatus(s, 'SERVING');
    return port;
  }

  /** Stops accepting calls, lets in-flight calls finish for up to `graceMs`, then forces. */
  async stop(graceMs = 5000): Promise<void> {
    this.health.setStatus('', 'NOT_SERVING');
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
}
