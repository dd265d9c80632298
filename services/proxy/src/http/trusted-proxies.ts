/** Peers whose X-Forwarded-* headers are believed: the shared trusted-peer rule (PROXY_TRUSTED_PROXIES). */
export { createTrustedPeers as createTrustedProxies } from '@gatehouse/shared';
