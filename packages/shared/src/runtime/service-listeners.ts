import type { Express } from 'express';
import type { Logger } from 'pino';
import type { GrpcServer } from '../grpc/server.js';
import { listenHttp } from '../http/http-app.js';
import { startDebugServer, type ReadinessCheck } from '../observability/debug-server.js';
import type { Metrics } from '../observability/metrics.js';

export interface ServiceListeners {
  ports: { http: number; grpc: number; debug: number };
  /** Drains HTTP and gRPC together, then closes the debug listener (readiness answers until the end). */
  close(): Promise<void>;
}

/**
 * The three listeners of a service (HTTP, gRPC, debug with its readiness checks), started in that
 * order, with one "started" line naming the bound ports.
 */
export async function startServiceListeners(o: {
  name: string;
  logger: Logger;
  metrics: Metrics;
  http: Express;
  httpAddr: string;
  grpc: GrpcServer;
  grpcAddr: string;
  debugAddr: string;
  checks: ReadinessCheck[];
  /** More fields for the "started" line (auth-bearer's signing algorithm). */
  logFields?: Record<string, unknown>;
}): Promise<ServiceListeners> {
  const http = await listenHttp(o.http, o.httpAddr);
  const grpcPort = await o.grpc.listen(o.grpcAddr);
  const debug = await startDebugServer({ addr: o.debugAddr, metrics: o.metrics, checks: o.checks });
  const ports = { http: http.port, grpc: grpcPort, debug: debug.port };
  o.logger.info({ ...ports, ...o.logFields }, `${o.name} started`);
  return {
    ports,
    async close() {
      await Promise.all([http.close(), o.grpc.stop()]);
      await debug.close();
    },
  };
}
