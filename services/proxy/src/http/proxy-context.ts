import type { Logger, OriginPolicy, TrustedPeers } from '@gatehouse/shared';
import type { Gatekeeper } from '../auth/gatekeeper.js';
import type { IdentitySigner } from '../identity/identity-signer.js';
import type { ProxyMetrics } from '../observability/proxy-metrics.js';
import type { Route } from '../routes/routes-file.js';
import type { UpstreamPools } from './forward.js';
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
  /** Cookie-authenticated state changes and upgrades need an allowed Origin (GATEHOUSE_ALLOWED_ORIGINS). */
  csrf: { policy: OriginPolicy; authCookies: readonly string[] };
}

export const IDENTITY_JWKS_PATH = '/.well-known/gatehouse/jwks.json';
