import { ConfigError } from '../config.js';
import { isLoopbackHost } from '../net/loopback-host.js';
import type { GrpcTlsConfig } from './tls.js';

/** The switches an operator sets for mutual TLS between the services (docs/operations.md, certificates). */
const MTLS_VARIABLES =
  'GATEHOUSE_GRPC_TLS_ENABLED=true, GATEHOUSE_GRPC_TLS_CERT, GATEHOUSE_GRPC_TLS_KEY, GATEHOUSE_GRPC_TLS_CA and GATEHOUSE_GRPC_TLS_CLIENT_AUTH=true';

/** The host of `host:port`, `[v6]:port`, `dns:///host:port` or `ipv4:a:p,b:p` (every host of a list). */
function hostsOf(target: string): string[] {
  const bare = target.replace(/^dns:(\/\/[^/]*\/)?/, '').replace(/^ipv[46]:/, '');
  return bare
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean)
    .map((a) => {
      const i = a.lastIndexOf(':');
      return i < 0 ? a : a.slice(0, i);
    });
}

/** Whether every host of a listen address or gRPC target is this machine (an empty host is every interface: not loopback). */
export function isLoopbackTarget(target: string): boolean {
  const hosts = hostsOf(target);
  return hosts.length > 0 && hosts.every((h) => h !== '' && isLoopbackHost(h));
}

/** Mutual TLS as the server side needs it: TLS on, a certificate and key, and client certificates required and checked against a CA. */
export function isMutualTls(tls: GrpcTlsConfig | undefined): boolean {
  return Boolean(tls?.enabled && tls.certFile && tls.keyFile && tls.caFile && tls.requireClientCert);
}

/**
 * Internal gRPC (OpenSession, CreateUser, Impersonate …) trusts whoever reaches it: a service that
 * listens beyond loopback therefore needs mutual TLS, so only holders of a certificate the
 * deployment's CA signed (the services, the operator's admin CLI) get a call in. Anything else
 * refuses to start unless GATEHOUSE_GRPC_ALLOW_INSECURE=true says the network alone is trusted.
 * The all-in-one runtime keeps its internal ports on loopback and needs nothing.
 */
export function internalGrpcProblem(
  variable: string,
  addr: string,
  tls: GrpcTlsConfig | undefined,
  allowInsecure: boolean,
): string | undefined {
  if (allowInsecure || isLoopbackTarget(addr) || isMutualTls(tls)) return undefined;
  return (
    `${variable}: ${addr} is reachable beyond this machine but internal gRPC is not authenticated. ` +
    `Set ${MTLS_VARIABLES} (make certs generates development certificates), listen on 127.0.0.1, ` +
    `or set GATEHOUSE_GRPC_ALLOW_INSECURE=true if a private network alone is trusted`
  );
}

/** Throws internalGrpcProblem's answer as a ConfigError (the service stops at start with it). */
export function assertInternalGrpcProtected(variable: string, addr: string, tls: GrpcTlsConfig | undefined, allowInsecure: boolean): void {
  const problem = internalGrpcProblem(variable, addr, tls, allowInsecure);
  if (problem) throw new ConfigError([problem]);
}

/**
 * The admin CLI's side of the same rule: a remote (non-loopback) gRPC target gets a client
 * certificate, never a plaintext or anonymous call, unless GATEHOUSE_GRPC_ALLOW_INSECURE=true.
 */
export function adminClientProblem(target: string, tls: GrpcTlsConfig | undefined, allowInsecure: boolean): string | undefined {
  if (allowInsecure || isLoopbackTarget(target)) return undefined;
  if (tls?.enabled && tls.certFile && tls.keyFile) return undefined;
  return (
    `${target} is a remote deployment: present the admin client certificate with GATEHOUSE_GRPC_TLS_ENABLED=true, ` +
    `GATEHOUSE_GRPC_TLS_CERT, GATEHOUSE_GRPC_TLS_KEY and GATEHOUSE_GRPC_TLS_CA (make certs writes secrets/grpc-tls/admin.crt), ` +
    `or set GATEHOUSE_GRPC_ALLOW_INSECURE=true`
  );
}
