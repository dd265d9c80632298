import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';
import type { EventBus } from '../bus/bus.js';
import { channelCredentials, type GrpcTlsConfig } from '../grpc/tls.js';
import type { KeyValueStore } from '../store/store.js';
import type { ReadinessCheck } from './debug-server.js';

/** /readyz: the store answers a ping. */
export function storeCheck(store: KeyValueStore): ReadinessCheck {
  return { name: 'store', check: () => store.ping() };
}

/** /readyz: the bus is connected (a service that must not miss events is not ready without it). */
export function busCheck(bus: EventBus): ReadinessCheck {
  return {
    name: 'bus',
    check: async () => {
      if (bus.disconnectedSince() !== null) throw new Error('bus disconnected');
    },
  };
}

type HealthClient = grpc.Client & {
  Check(req: { service: string }, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: { status: string }) => void): void;
};
let healthCtor: (new (address: string, creds: grpc.ChannelCredentials) => HealthClient) | undefined;

/**
 * /readyz: a service this one calls answers the standard grpc.health.v1 Check with SERVING.
 * (Liveness of the peer's gRPC server, not its own readiness, so mutual callers never wait on
 * each other.) `close()` releases the channel.
 */
export function grpcPeerCheck(name: string, endpoint: string, tls?: GrpcTlsConfig, timeoutMs = 1000): ReadinessCheck & { close(): void } {
  healthCtor ??= (
    grpc.loadPackageDefinition(loadSync(protoPath, { keepCase: true, enums: String, defaults: true })) as unknown as {
      grpc: { health: { v1: { Health: typeof healthCtor } } };
    }
  ).grpc.health.v1.Health;
  let client: HealthClient | undefined;
  return {
    name,
    check: () =>
      new Promise<void>((resolve, reject) => {
        client ??= new healthCtor!(endpoint, channelCredentials(tls));
        client.Check({ service: '' }, { deadline: Date.now() + timeoutMs }, (err, res) => {
          if (err) reject(new Error(`${endpoint}: ${err.details || err.message}`));
          else if (res?.status !== 'SERVING') reject(new Error(`${endpoint}: ${res?.status ?? 'UNKNOWN'}`));
          else resolve();
        });
      }),
    close: () => client?.close(),
  };
}
