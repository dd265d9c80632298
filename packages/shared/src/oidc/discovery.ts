import * as oidc from 'openid-client';
import { GatehouseError } from '../errors.js';
import { RemoteKeySource, type RemoteKeySourceOptions } from '../jwt/key-source.js';
import { isLoopbackHost } from '../net/loopback-host.js';

export interface DiscoveryOptions {
  /** Plain http allowed for the endpoints discovery names (loopback issuers only; see readProviders). */
  allowInsecureRequests: boolean;
  timeoutMs: number;
  /** Tests only; production keeps the global fetch. */
  fetch?: typeof fetch;
}

/** Whether openid-client may talk plain http to this issuer: only on loopback (development, tests). */
export function insecureRequestsAllowed(issuer: string): boolean {
  if (!issuer.startsWith('http:')) return false;
  try {
    return isLoopbackHost(new URL(issuer).hostname);
  } catch {
    return false;
  }
}

/**
 * An openid-client configuration for `clientId` at `issuer`, from discovery (the `issuer` in the
 * document must equal the configured one). The one place that lets openid-client use plain http,
 * and only for loopback issuers: a misconfigured remote http issuer fails instead.
 */
export function discoverClient(
  issuer: string,
  clientId: string,
  clientAuth: oidc.ClientAuth,
  opts: { timeoutMs: number; fetch?: oidc.CustomFetch | typeof fetch | undefined },
): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(issuer), clientId, undefined, clientAuth, {
    execute: insecureRequestsAllowed(issuer) ? [oidc.allowInsecureRequests] : [],
    timeout: Math.max(1, Math.ceil(opts.timeoutMs / 1000)),
    ...(opts.fetch ? { [oidc.customFetch]: opts.fetch } : {}),
  });
}

/**
 * The issuer's OpenID Provider metadata (discoverClient: https unless a loopback issuer). Outages
 * and mismatches are SERVICE_UNAVAILABLE: Gatehouse cannot decide, it does not pass.
 */
export async function discoverIssuer(issuer: string, opts: DiscoveryOptions): Promise<oidc.ServerMetadata> {
  try {
    const config = await discoverClient(issuer, 'gatehouse', oidc.None(), opts);
    return config.serverMetadata();
  } catch (err) {
    throw new GatehouseError('SERVICE_UNAVAILABLE', {
      detail: `discovery of ${issuer} failed: ${err instanceof Error ? err.message : String(err)}`,
      retryAfter: 5,
      cause: err,
    });
  }
}

/**
 * The keys of an external issuer, from the jwks_uri its discovery document names (found lazily,
 * remembered once found): cached, refetched on an unknown kid at most once per cooldown with one
 * fetch in flight, stale keys served while the IdP is slow, removed keys refused after maxAgeMs.
 */
export function issuerKeySource(
  issuer: string,
  opts: DiscoveryOptions & Pick<RemoteKeySourceOptions, 'cooldownMs' | 'maxAgeMs' | 'staleWaitMs'>,
): RemoteKeySource {
  let jwksUri: string | undefined;
  return new RemoteKeySource({
    url: async () => {
      if (jwksUri) return jwksUri;
      const meta = await discoverIssuer(issuer, opts);
      if (!meta.jwks_uri) throw new Error(`${issuer} publishes no jwks_uri`);
      const u = new URL(meta.jwks_uri);
      if (u.protocol !== 'https:' && !(opts.allowInsecureRequests && u.protocol === 'http:')) throw new Error('jwks_uri is not https');
      jwksUri = meta.jwks_uri;
      return jwksUri;
    },
    ...(opts.cooldownMs !== undefined ? { cooldownMs: opts.cooldownMs } : {}),
    ...(opts.maxAgeMs !== undefined ? { maxAgeMs: opts.maxAgeMs } : {}),
    ...(opts.staleWaitMs !== undefined ? { staleWaitMs: opts.staleWaitMs } : {}),
    timeoutMs: opts.timeoutMs,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
}
