import { createAuthServiceClient, type AuthServiceClient } from '@gatehouse/shared';

/** The local all-in-one proxy (`gatehouse server`). */
export const DEFAULT_SERVER = 'http://127.0.0.1:9200';
/** The proxy's default gRPC entry port (PROXY_GRPC_ADDR). */
const DEFAULT_GRPC_PORT = 9201;

/** The proxy the CLI talks to: HTTP base URL and gRPC entry (host:port). */
export interface ServerTarget {
  server: string;
  grpcServer: string;
}

/**
 * --server URL (or GATEHOUSE_SERVER, else the local default) and --grpc-server host:port (or
 * PROXY_GRPC_ENDPOINT, as `gatehouse apikeys` reads it, else the server's host on 9201). A stored
 * login's target is used when none is given, so `whoami` and `logout` follow the last `login`.
 */
export function serverTarget(
  flags: { server?: string | undefined; grpcServer?: string | undefined },
  env: Record<string, string | undefined>,
  stored?: ServerTarget,
): ServerTarget {
  const given = flags.server ?? env.GATEHOUSE_SERVER;
  const raw = given ?? stored?.server ?? DEFAULT_SERVER;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`--server must be the proxy's URL, e.g. ${DEFAULT_SERVER} (got "${raw}")`);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password || u.search || u.hash)
    throw new Error(`--server must be an http(s) URL without credentials, query or fragment (got "${raw}")`);
  const server = u.href.replace(/\/+$/, '');
  const grpcGiven = flags.grpcServer ?? env.PROXY_GRPC_ENDPOINT;
  // URL.hostname keeps an IPv6 literal's brackets.
  const sameAsStored = stored && (given === undefined || stored.server === server);
  const grpcServer = grpcGiven ?? (sameAsStored ? stored.grpcServer : `${u.hostname}:${DEFAULT_GRPC_PORT}`);
  if (!/^(\[[0-9A-Fa-f:.]+\]|[^\s:/[\]]+):\d{1,5}$/.test(grpcServer))
    throw new Error(`--grpc-server must be host:port (got "${grpcServer}")`);
  return { server, grpcServer };
}

/** mgmt.v1alpha1.AuthService at the proxy's gRPC entry; TLS (system roots) when the server is https. */
export function authClientFor(t: ServerTarget): AuthServiceClient {
  return createAuthServiceClient(t.grpcServer, {
    deadlineMs: 10_000,
    ...(t.server.startsWith('https:') ? { tls: { enabled: true } } : {}),
  });
}
