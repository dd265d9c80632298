import * as grpc from '@grpc/grpc-js';
import { GatehouseError, isErrorCode } from '../errors.js';
import { channelCredentials, type GrpcTlsConfig } from './tls.js';

export interface CallOptions {
  metadata?: grpc.Metadata;
  /** Overrides the client's default deadline. */
  deadlineMs?: number;
}

/** The declared keys of `T`, without index signatures (generated Handlers extend an indexed type). */
type KnownKeys<T> = keyof { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };

/**
 * Promise-returning methods of a generated client, limited to the RPCs named in `H` (its Handlers).
 * Only the declared RPC names count: with the Handlers' index signature, every Client method (close,
 * getChannel) would be mapped to `never` and `client.close()` would not type-check.
 */
export type AsyncClient<C, H> = {
  [K in KnownKeys<H> & keyof C]: C[K] extends (argument: infer Req, callback: grpc.requestCallback<infer Res>) => grpc.ClientUnaryCall
    ? (req: Req, opts?: CallOptions) => Promise<Res>
    : never;
};

export interface GrpcClientOptions {
  tls?: GrpcTlsConfig;
  /** Deadline of every call (default 2000 ms). No call ever waits without one. */
  deadlineMs?: number;
  /** Methods safe to retry (idempotent reads); only these are retried, on UNAVAILABLE. */
  idempotent?: readonly string[];
  retries?: number;
  /** Override the TLS target name (tests with a certificate for `localhost`). */
  serverNameOverride?: string;
}

type ClientCtor = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => grpc.Client;

/** Maps a gRPC error back to the GatehouseError the server threw (or SERVICE_UNAVAILABLE). */
export function fromGrpcError(err: grpc.ServiceError): GatehouseError {
  const code = err.metadata?.get('gatehouse-error-code')[0];
  const retry = err.metadata?.get('retry-after')[0];
  if (typeof code === 'string' && isErrorCode(code)) {
    const retryAfter = retry === undefined ? undefined : Number(retry);
    const extensions = parseExtensions(err.metadata.get('gatehouse-error-extensions')[0]);
    return new GatehouseError(code, {
      // INTERNAL keeps the generic message whatever the remote sent.
      message: code === 'INTERNAL' ? undefined : err.details || undefined,
      ...(retryAfter !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfter } : {}),
      ...(extensions ? { extensions } : {}),
      detail: `remote: ${err.message}`,
    });
  }
  if (err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED || err.code === grpc.status.CANCELLED) {
    return new GatehouseError('SERVICE_UNAVAILABLE', {
      retryAfter: 1,
      detail: `grpc ${grpc.status[err.code]}: ${err.details}`,
      cause: err,
    });
  }
  if (err.code === grpc.status.UNIMPLEMENTED) return new GatehouseError('UNIMPLEMENTED', { detail: err.details });
  return new GatehouseError('INTERNAL', { detail: `grpc ${grpc.status[err.code] ?? err.code}: ${err.details}`, cause: err });
}

function parseExtensions(raw: grpc.MetadataValue | undefined): Record<string, unknown> | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates a client with deadlines on every call, keepalive, and retries only for idempotent reads.
 * `methods` lists the RPC names to expose (e.g. Object.keys(service.service)).
 */
export function createGrpcClient<C extends grpc.Client, H>(
  Ctor: ClientCtor,
  address: string,
  opts: GrpcClientOptions = {},
): AsyncClient<C, H> & { close(): void; raw: C } {
  const channelOptions: grpc.ClientOptions = {
    // Every address the target resolves to is used: a comma list (`ipv4:10.0.0.5:9211,10.0.0.6:9211`)
    // or a DNS name with several records (`auth-bearer-grpc:9211`, a headless Kubernetes Service).
    // Calls go to the ready ones in turn, so one dead instance only costs the calls in flight on it
    // (and those that are idempotent are retried below, landing on another instance).
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
    // An instance that comes back (a restart on the same address) rejoins within 5 s, not after
    // grpc-js's default backoff of up to 2 minutes.
    'grpc.max_reconnect_backoff_ms': 5_000,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 5_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.max_receive_message_length': 8 * 1024 * 1024,
    ...(opts.serverNameOverride
      ? { 'grpc.ssl_target_name_override': opts.serverNameOverride, 'grpc.default_authority': opts.serverNameOverride }
      : {}),
  };
  const raw = new Ctor(address, channelCredentials(opts.tls), channelOptions) as C;
  const deadlineMs = opts.deadlineMs ?? 2000;
  const idempotent = new Set(opts.idempotent ?? []);
  const retries = opts.retries ?? 2;
  const methods = Object.keys((Ctor as unknown as { service: Record<string, unknown> }).service);

  // One deadline per logical call: retries share it, so a retried read never waits longer than
  // `deadlineMs` in total. Retried: UNAVAILABLE (the server was not reached, its connection broke,
  // or it said so) and CANCELLED (this client never cancels a call, so it came from a server
  // that shut down before answering). DEADLINE_EXCEEDED is not, as the time budget is gone.
  const attempt = (method: string, req: unknown, metadata: grpc.Metadata, deadline: number): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const fn = (raw as unknown as Record<string, (...a: unknown[]) => grpc.ClientUnaryCall>)[method]!.bind(raw);
      fn(req, metadata, { deadline }, (err: grpc.ServiceError | null, res: unknown) => {
        if (err) reject(err);
        else resolve(res);
      });
    });

  const out: Record<string, unknown> = {
    close: () => raw.close(),
    raw,
  };
  for (const m of methods) {
    out[m] = async (req: unknown, o: CallOptions = {}) => {
      const deadline = Date.now() + (o.deadlineMs ?? deadlineMs);
      const metadata = o.metadata ?? new grpc.Metadata();
      for (let n = 0; ; n++) {
        try {
          return await attempt(m, req, metadata, deadline);
        } catch (err) {
          const e = err as grpc.ServiceError;
          const backoff = 50 * 2 ** n;
          const retryable =
            idempotent.has(m) &&
            n < retries &&
            (e.code === grpc.status.UNAVAILABLE || e.code === grpc.status.CANCELLED) &&
            Date.now() + backoff < deadline;
          if (!retryable) throw fromGrpcError(e);
          await new Promise((r) => setTimeout(r, backoff));
        }
      }
    };
  }
  return out as AsyncClient<C, H> & { close(): void; raw: C };
}
