import type { Logger, TrustedPeers } from '@gatehouse/shared';
import type { Gatekeeper } from '../auth/gatekeeper.js';
import type { IdentitySigner } from '../identity/identity-signer.js';
import type { ProxyMetrics } from '../observability/proxy-metrics.js';
import type { Route } from '../routes/routes-file.js';
import type { UpstreamPools } from './forward.js';
import type { CookieGuard, OwnsCookie } from './gatehouse-cookies.js';
import type { UpgradedSockets } from './upgraded-sockets.js';
import type { ChallengeOptions } from './responses.js';

/** What the HTTP handlers share; built once in createApp. */
export interface ProxyContext {
  routes: readonly Route[];
  gatekeeper: Gatekeeper;
  signer: IdentitySigner;
  metrics: ProxyMetrics;
  logger: Logger;
  pools: UpstreamPools;
  /** PROXY_TRUSTED_PROXIES: whose X-Forwarded-* are kept. */
  trustedPeers: TrustedPeers;
  challenge: ChallengeOptions;
  loginUrl: string;
  defaultTimeoutMs: number;
  maxBodyBytes: number;
  /** One line per answered request (never with its query string). */
  accessLog: boolean;
  /** Gatehouse's cookie names: kept from upstreams of routes without `passCookies`, both ways. */
  ownsCookie: OwnsCookie;
  /** Upgraded (WebSocket) connections, closed when their credential is revoked. */
  sockets: UpgradedSockets;
}

/**
 * The cookie guard of a route: none when the route passes Gatehouse's cookies (`passCookies`),
 * else one that drops them and logs at warn each Set-Cookie the upstream tried to send.
 */
export function cookieGuardFor(ctx: Pick<ProxyContext, 'ownsCookie' | 'logger'>, route: Route): CookieGuard | undefined {
  if (route.passCookies) return undefined;
  return {
    owns: ctx.ownsCookie,
    refused: (name) =>
      ctx.logger.warn(
        { route: route.name, upstream: route.upstreamName, cookie_name: name },
        'dropped an upstream Set-Cookie naming a Gatehouse cookie',
      ),
  };
}

export const IDENTITY_JWKS_PATH = '/.well-known/gatehouse/jwks.json';
