import { parseTrustedPeers } from './trusted-peers.js';

const LOOPBACK = parseTrustedPeers('loopback');

/**
 * Whether a URL's host is this machine: `localhost`, or an address in the `loopback` ranges
 * (127.0.0.0/8, ::1; bracketed IPv6 as URL.hostname gives it). Plain http is allowed only there
 * (a provider's issuer, a native client's redirect URI).
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || LOOPBACK.trusts(h);
}
