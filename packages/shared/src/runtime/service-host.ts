import type { ErrorRequestHandler, Express } from 'express';
import type { Logger } from 'pino';
import type { EventBus, Subscription } from '../bus/bus.js';
import { GrpcServer } from '../grpc/server.js';
import type { GrpcTlsConfig } from '../grpc/tls.js';
import { assertInternalGrpcProtected } from '../grpc/internal-trust.js';
import { grpcTlsFrom, type CommonConfig } from '../config-common.js';
import { errorMiddleware, notFoundHandler } from '../http/errors-middleware.js';
import { createHttpApp } from '../http/http-app.js';
import type { ReadinessCheck } from '../observability/debug-server.js';
import { Metrics } from '../observability/metrics.js';
import { busCheck, storeCheck } from '../observability/readiness.js';
import { watchBackends } from '../observability/backend-metrics.js';
import type { KeyValueStore } from '../store/store.js';
import { identityVerifierFor } from '../identity/require-identity.js';
import type { KeySource } from '../jwt/key-source.js';
import { loadProtos } from '../grpc/proto.js';
import type { ServiceApp, ServiceDeps } from './deps.js';
import { startServiceListeners, type ServiceListeners } from './service-listeners.js';

/** A service's listen addresses in its config: `<PREFIX>_HTTP_ADDR`, `_GRPC_ADDR`, `_DEBUG_ADDR`. */
export type ListenAddrs<P extends string> = Record<`${P}_HTTP_ADDR` | `${P}_GRPC_ADDR` | `${P}_DEBUG_ADDR`, string>;

/** What tests (and the all-in-one runtime) may replace in every hosted service. */
export interface HostOverrides {
  metrics?: Metrics | undefined;
  /** The proxy's identity-header keys (default: GATEHOUSE_IDENTITY_JWKS_URL, fetched and cached). */
  identityKeys?: KeySource | undefined;
}

export interface ServiceHostOptions {
  /** The service's name: metrics prefix and the "started" log line. */
  name: string;
  logger: Logger;
  /** Default: a new registry for `name`. */
  metrics?: Metrics | undefined;
  tls: GrpcTlsConfig;
  addrs: { http: string; grpc: string; debug: string };
  /** Verifies the proxy's identity header (X-Gatehouse-Identity) for the service's routes. */
  verifyIdentity: ReturnType<typeof identityVerifierFor>;
}

export interface HostedServiceOptions {
  store: KeyValueStore;
  bus: EventBus;
  /** Readiness besides Redis and NATS: the services it calls. */
  checks?: ReadinessCheck[];
  /** More fields for the "started" line. */
  logFields?: Record<string, unknown>;
  /** Error handlers for some paths, after the 404 handler and before the error translator. */
  errorHandlers?: Array<{ paths: string[]; handler: ErrorRequestHandler }>;
  /** Before the listeners open (load keys, subscribe): the subscriptions it returns end first at stop. */
  beforeListen?: () => Promise<Subscription[] | void>;
  /** After the listeners drained: close the clients, pools and queues the service opened. */
  afterClose?: () => Promise<void> | void;
}

/**
 * The frame of an auth service's composition root: its HTTP app and gRPC server (the service adds
 * routes and handlers), then `app()`: the 404 handler and the error translator after the routes,
 * readiness on Redis, NATS and the services it calls, and start/stop in one order everywhere.
 */
export class ServiceHost {
  /** The gRPC TLS settings (GATEHOUSE_GRPC_TLS_*), for the server and the clients the service opens. */
  readonly tls: GrpcTlsConfig;
  readonly metrics: Metrics;
  readonly http: Express;
  readonly grpc: GrpcServer;
  /** Every gRPC contract, for `grpc.add(host.protos.….service, handlers)`. */
  readonly protos = loadProtos();
  readonly verifyIdentity: ServiceHostOptions['verifyIdentity'];
  private listeners: ServiceListeners | undefined;

  constructor(private readonly o: ServiceHostOptions) {
    this.tls = o.tls;
    this.verifyIdentity = o.verifyIdentity;
    this.metrics = o.metrics ?? new Metrics(o.name);
    this.http = createHttpApp({ logger: o.logger, metrics: this.metrics });
    this.grpc = new GrpcServer({ logger: o.logger, metrics: this.metrics, tls: o.tls });
  }

  /** The host of the service whose addresses are `<prefix>_*_ADDR` in `config` (`'AUTH_APP'` for auth-app). */
  static for<P extends string>(
    name: string,
    prefix: P,
    config: CommonConfig & ListenAddrs<P>,
    deps: ServiceDeps & HostOverrides,
  ): ServiceHost {
    const addrs: ListenAddrs<P> = config;
    const addr = (kind: 'HTTP' | 'GRPC' | 'DEBUG'): string => addrs[`${prefix}_${kind}_ADDR`];
    const tls = grpcTlsFrom(config);
    // Internal gRPC beyond loopback only under mutual TLS (or the explicit opt-out): fail closed.
    assertInternalGrpcProtected(`${prefix}_GRPC_ADDR`, addr('GRPC'), tls, config.GATEHOUSE_GRPC_ALLOW_INSECURE);
    return new ServiceHost({
      name,
      logger: deps.logger,
      metrics: deps.metrics,
      tls,
      addrs: { http: addr('HTTP'), grpc: addr('GRPC'), debug: addr('DEBUG') },
      // The service accepts only identity headers the proxy signed for it (aud = its name).
      verifyIdentity: identityVerifierFor(config, deps.clock, name, deps.identityKeys),
    });
  }

  /** The bound ports while started (a service that calls its own listener: auth-bearer's CLI login reaches its built-in IdP). */
  get ports(): ServiceListeners['ports'] | undefined {
    return this.listeners?.ports;
  }

  /** Closes the HTTP app's routes and returns the service's start and stop. Call once, after every route. */
  app(s: HostedServiceOptions): ServiceApp {
    const { logger } = this.o;
    // gatehouse_store_up / gatehouse_bus_up: what readiness tells the orchestrator, told to the dashboard.
    watchBackends(this.metrics, { store: s.store, bus: s.bus });
    this.http.use(notFoundHandler());
    for (const { paths, handler } of s.errorHandlers ?? []) this.http.use(paths, handler);
    this.http.use(errorMiddleware(logger));

    let subs: Subscription[] = [];
    return {
      start: async () => {
        subs = (await s.beforeListen?.()) ?? [];
        this.listeners = await startServiceListeners({
          name: this.o.name,
          logger,
          metrics: this.metrics,
          http: this.http,
          httpAddr: this.o.addrs.http,
          grpc: this.grpc,
          grpcAddr: this.o.addrs.grpc,
          debugAddr: this.o.addrs.debug,
          checks: [storeCheck(s.store), busCheck(s.bus), ...(s.checks ?? [])],
          ...(s.logFields ? { logFields: s.logFields } : {}),
        });
        return this.listeners.ports;
      },
      stop: async () => {
        for (const sub of subs) sub.unsubscribe();
        subs = [];
        await this.listeners?.close();
        this.listeners = undefined;
        await s.afterClose?.();
      },
    };
  }
}
