/** Default listen addresses of the all-in-one runtime (one table; README lists the same). */
export const DEFAULT_ADDRS: Record<string, string> = {
  PROXY_HTTP_ADDR: '127.0.0.1:9200',
  PROXY_GRPC_ADDR: '127.0.0.1:9201',
  PROXY_DEBUG_ADDR: '127.0.0.1:9205',
  AUTH_BEARER_HTTP_ADDR: '127.0.0.1:9210',
  AUTH_BEARER_GRPC_ADDR: '127.0.0.1:9211',
  AUTH_BEARER_DEBUG_ADDR: '127.0.0.1:9215',
  AUTH_BASIC_HTTP_ADDR: '127.0.0.1:9220',
  AUTH_BASIC_GRPC_ADDR: '127.0.0.1:9221',
  AUTH_BASIC_DEBUG_ADDR: '127.0.0.1:9225',
  AUTH_APP_HTTP_ADDR: '127.0.0.1:9230',
  AUTH_APP_GRPC_ADDR: '127.0.0.1:9231',
  AUTH_APP_DEBUG_ADDR: '127.0.0.1:9235',
  AUTH_APIKEY_HTTP_ADDR: '127.0.0.1:9240',
  AUTH_APIKEY_GRPC_ADDR: '127.0.0.1:9241',
  AUTH_APIKEY_DEBUG_ADDR: '127.0.0.1:9245',
  WHOAMI_HTTP_ADDR: '127.0.0.1:9250',
};

/** A listen address as a dialable one (0.0.0.0 / :: / empty host → loopback). */
function dialable(addr: string): string {
  const i = addr.lastIndexOf(':');
  const host = addr.slice(0, i);
  return `${host === '' || host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${addr.slice(i + 1)}`;
}

/**
 * In one process the services find each other at their own listen addresses: every endpoint the
 * operator did not set is derived from the matching *_ADDR, so changing a port is one variable.
 * auth-apikey's gRPC endpoint is derived only when it runs (`running`), since the proxy routes
 * apikeys.ApiKeyService exactly when that endpoint is set.
 */
export function withDerivedEndpoints(
  env: Record<string, string | undefined>,
  running: readonly string[] = [],
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...env };
  const addr = (k: string) => out[k] || DEFAULT_ADDRS[k]!;
  for (const k of Object.keys(DEFAULT_ADDRS)) out[k] = addr(k);
  const derive = (endpoint: string, value: string) => {
    if (!out[endpoint]) out[endpoint] = value;
  };
  derive('AUTH_BEARER_GRPC_ENDPOINT', dialable(addr('AUTH_BEARER_GRPC_ADDR')));
  derive('AUTH_BASIC_GRPC_ENDPOINT', dialable(addr('AUTH_BASIC_GRPC_ADDR')));
  derive('AUTH_APP_GRPC_ENDPOINT', dialable(addr('AUTH_APP_GRPC_ADDR')));
  derive('AUTH_BEARER_HTTP_ENDPOINT', `http://${dialable(addr('AUTH_BEARER_HTTP_ADDR'))}`);
  derive('AUTH_BASIC_HTTP_ENDPOINT', `http://${dialable(addr('AUTH_BASIC_HTTP_ADDR'))}`);
  derive('AUTH_APP_HTTP_ENDPOINT', `http://${dialable(addr('AUTH_APP_HTTP_ADDR'))}`);
  derive('AUTH_APIKEY_HTTP_ENDPOINT', `http://${dialable(addr('AUTH_APIKEY_HTTP_ADDR'))}`);
  if (running.includes('auth-apikey')) derive('AUTH_APIKEY_GRPC_ENDPOINT', dialable(addr('AUTH_APIKEY_GRPC_ADDR')));
  derive('WHOAMI_HTTP_ENDPOINT', `http://${dialable(addr('WHOAMI_HTTP_ADDR'))}`);
  derive('PUBLIC_URL', `http://${dialable(addr('PROXY_HTTP_ADDR'))}`);
  derive('GATEHOUSE_IDENTITY_JWKS_URL', `http://${dialable(addr('PROXY_HTTP_ADDR'))}/.well-known/gatehouse/jwks.json`);
  return out;
}
