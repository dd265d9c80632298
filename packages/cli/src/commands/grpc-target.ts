import { adminClientProblem, grpcTlsFrom, type GrpcClientOptions } from '@gatehouse/shared';

const truthy = (v: string | undefined) => v === 'true' || v === '1' || v === 'yes';

/** Endpoints and TLS the admin commands use (same variables as the services). */
export function clientOptions(env: Record<string, string | undefined>): GrpcClientOptions {
  return {
    deadlineMs: 10_000,
    tls: grpcTlsFrom({
      GATEHOUSE_GRPC_TLS_ENABLED: truthy(env.GATEHOUSE_GRPC_TLS_ENABLED),
      GATEHOUSE_GRPC_TLS_CERT: env.GATEHOUSE_GRPC_TLS_CERT,
      GATEHOUSE_GRPC_TLS_KEY: env.GATEHOUSE_GRPC_TLS_KEY,
      GATEHOUSE_GRPC_TLS_CA: env.GATEHOUSE_GRPC_TLS_CA,
      GATEHOUSE_GRPC_TLS_CLIENT_AUTH: truthy(env.GATEHOUSE_GRPC_TLS_CLIENT_AUTH),
    } as Parameters<typeof grpcTlsFrom>[0]),
  };
}

/** `<NAME>_GRPC_ENDPOINT` or the default; PROXY is the proxy's public gRPC entry (PROXY_GRPC_ENDPOINT). */
export const endpoint = (env: Record<string, string | undefined>, name: 'AUTH_BEARER' | 'AUTH_BASIC' | 'AUTH_APP' | 'PROXY', def: string) =>
  env[`${name}_GRPC_ENDPOINT`] || def;

/**
 * An internal service's endpoint for an admin command (users, keys, sessions, app tokens). Internal
 * gRPC trusts its caller, so a remote target (not loopback) is called only with the admin client
 * certificate (GATEHOUSE_GRPC_TLS_*), never plaintext or anonymously, unless
 * GATEHOUSE_GRPC_ALLOW_INSECURE=true. The all-in-one runtime on this machine needs nothing.
 */
export function adminEndpoint(
  env: Record<string, string | undefined>,
  name: 'AUTH_BEARER' | 'AUTH_BASIC' | 'AUTH_APP',
  def: string,
): string {
  const target = endpoint(env, name, def);
  const problem = adminClientProblem(target, clientOptions(env).tls, truthy(env.GATEHOUSE_GRPC_ALLOW_INSECURE));
  if (problem) throw new Error(`${name}_GRPC_ENDPOINT ${problem}`);
  return target;
}
