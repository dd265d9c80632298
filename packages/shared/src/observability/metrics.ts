import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Per-service Prometheus registry: process defaults plus per-RPC and per-route counters and histograms.
 * Every series carries the default label `service` (the Gatehouse service); RPC series name the gRPC
 * service and method `grpc_service`/`grpc_method`/`grpc_code` (as go-grpc-prometheus does), so they
 * never overwrite that default label.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly rpcTotal: Counter<'grpc_service' | 'grpc_method' | 'grpc_code'>;
  private readonly rpcSeconds: Histogram<'grpc_service' | 'grpc_method'>;
  private readonly httpTotal: Counter<'route' | 'method' | 'status'>;
  private readonly httpSeconds: Histogram<'route' | 'method'>;

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.rpcTotal = new Counter({
      name: 'gatehouse_grpc_server_handled_total',
      help: 'RPCs completed, by method and status code',
      labelNames: ['grpc_service', 'grpc_method', 'grpc_code'],
      registers: [this.registry],
    });
    this.rpcSeconds = new Histogram({
      name: 'gatehouse_grpc_server_handling_seconds',
      help: 'RPC latency',
      labelNames: ['grpc_service', 'grpc_method'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
    this.httpTotal = new Counter({
      name: 'gatehouse_http_requests_total',
      help: 'HTTP requests, by route and status',
      labelNames: ['route', 'method', 'status'],
      registers: [this.registry],
    });
    this.httpSeconds = new Histogram({
      name: 'gatehouse_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['route', 'method'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
  }

  observeRpc(service: string, method: string, code: string, startedNs: bigint): void {
    const seconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
    this.rpcTotal.inc({ grpc_service: service, grpc_method: method, grpc_code: code });
    this.rpcSeconds.observe({ grpc_service: service, grpc_method: method }, seconds);
  }

  observeHttp(route: string, method: string, status: number, startedNs: bigint): void {
    const seconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
    this.httpTotal.inc({ route, method, status: String(status) });
    this.httpSeconds.observe({ route, method }, seconds);
  }
}
