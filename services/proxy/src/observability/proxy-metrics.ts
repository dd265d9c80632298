import { Counter, Gauge, Histogram } from 'prom-client';
import type { Metrics } from '@gatehouse/shared';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface CacheStats {
  name: string;
  hits: number;
  misses: number;
  /** Entries held now (caches that know it). */
  size?: number;
}

/** The proxy's own series, on the service's shared registry. */
export class ProxyMetrics {
  private readonly requests: Counter<'route' | 'status' | 'auth_method'>;
  private readonly authSeconds: Histogram<'auth_method' | 'outcome'>;
  private readonly upstreamSeconds: Histogram<'upstream' | 'status'>;
  private readonly revocationLag: Histogram;
  private readonly grpcCalls: Counter<'service' | 'method' | 'code'>;

  constructor(metrics: Metrics, caches: () => CacheStats[]) {
    const registers = [metrics.registry];
    this.requests = new Counter({
      name: 'gatehouse_proxy_requests_total',
      help: 'Requests by route, status and auth method',
      labelNames: ['route', 'status', 'auth_method'],
      registers,
    });
    this.authSeconds = new Histogram({
      name: 'gatehouse_proxy_auth_decision_seconds',
      help: 'Time to authenticate and authorize a request',
      labelNames: ['auth_method', 'outcome'],
      buckets: BUCKETS,
      registers,
    });
    this.upstreamSeconds = new Histogram({
      name: 'gatehouse_proxy_upstream_seconds',
      help: 'Time until the upstream answered with headers',
      labelNames: ['upstream', 'status'],
      buckets: BUCKETS,
      registers,
    });
    this.revocationLag = new Histogram({
      name: 'gatehouse_proxy_revocation_lag_seconds',
      help: 'Delay between a revocation event and its application',
      buckets: BUCKETS,
      registers,
    });
    this.grpcCalls = new Counter({
      name: 'gatehouse_proxy_grpc_calls_total',
      help: 'gRPC calls through the entry, by service, method and status',
      labelNames: ['service', 'method', 'code'],
      registers,
    });
    new Gauge({
      name: 'gatehouse_proxy_cache_hit_ratio',
      help: 'Hit ratio of the proxy caches since start',
      labelNames: ['cache'],
      registers,
      collect() {
        for (const c of caches()) this.set({ cache: c.name }, c.hits + c.misses === 0 ? 0 : c.hits / (c.hits + c.misses));
      },
    });
    new Gauge({
      name: 'gatehouse_proxy_cache_entries',
      help: 'Entries held by the proxy caches (bounded by PROXY_*_CACHE_SIZE)',
      labelNames: ['cache'],
      registers,
      collect() {
        for (const c of caches()) if (c.size !== undefined) this.set({ cache: c.name }, c.size);
      },
    });
    new Gauge({
      name: 'gatehouse_proxy_cache_lookups',
      help: 'Cache lookups since start, by cache and result',
      labelNames: ['cache', 'result'],
      registers,
      collect() {
        for (const c of caches()) {
          this.set({ cache: c.name, result: 'hit' }, c.hits);
          this.set({ cache: c.name, result: 'miss' }, c.misses);
        }
      },
    });
  }

  /**
   * Label-bound children by label values: prom-client hashes a label object on every inc/observe;
   * a child is bound once. Label values are route, upstream and method names from config plus
   * statuses and error codes, so these maps stay small.
   */
  private readonly requestChildren = new Map<string, { inc(): void }>();
  private readonly authChildren = new Map<string, { observe(v: number): void }>();
  private readonly upstreamChildren = new Map<string, { observe(v: number): void }>();

  request(route: string, status: number, authMethod: string): void {
    const k = `${route}\n${status}\n${authMethod}`;
    let c = this.requestChildren.get(k);
    if (!c) this.requestChildren.set(k, (c = this.requests.labels({ route, status: String(status), auth_method: authMethod })));
    c.inc();
  }

  authDecision(authMethod: string, outcome: string, startedNs: bigint): void {
    const k = `${authMethod}\n${outcome}`;
    let c = this.authChildren.get(k);
    if (!c) this.authChildren.set(k, (c = this.authSeconds.labels({ auth_method: authMethod, outcome })));
    c.observe(Number(process.hrtime.bigint() - startedNs) / 1e9);
  }

  upstream(upstream: string, status: number | string, startedNs: bigint): void {
    const k = `${upstream}\n${status}`;
    let c = this.upstreamChildren.get(k);
    if (!c) this.upstreamChildren.set(k, (c = this.upstreamSeconds.labels({ upstream, status: String(status) })));
    c.observe(Number(process.hrtime.bigint() - startedNs) / 1e9);
  }

  lag(ms: number): void {
    this.revocationLag.observe(ms / 1000);
  }

  grpc(service: string, method: string, code: number): void {
    this.grpcCalls.inc({ service, method, code: String(code) });
  }
}
