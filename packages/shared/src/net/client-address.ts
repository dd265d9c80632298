import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { unmapIpv4 } from './ip-address.js';
import type { TrustedPeers } from './trusted-peers.js';

/** Hops of X-Forwarded-For looked at, at most: a longer chain is a forgery or a loop. */
export const MAX_FORWARDED_HOPS = 32;

/**
 * The client's address: the socket peer, unless the peer is a trusted proxy, in which case
 * X-Forwarded-For is walked from the right (the entry the nearest proxy appended) past every
 * trusted proxy to the first address that is not one. Entries to its left were written by the
 * client and are never believed (spoofing through the proxy). A malformed entry ends the walk at
 * the last address known to be real.
 */
export function clientAddress(peer: string, forwardedFor: string | readonly string[] | undefined, trusted: TrustedPeers): string {
  let addr = unmapIpv4(peer);
  if (forwardedFor === undefined || !trusted.trusts(addr)) return addr;
  const hops = (typeof forwardedFor === 'string' ? forwardedFor : forwardedFor.join(','))
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  for (const hop of hops.reverse().slice(0, MAX_FORWARDED_HOPS)) {
    const ip = unmapIpv4(hop);
    if (isIP(ip) === 0) return addr;
    addr = ip;
    if (!trusted.trusts(addr)) return addr;
  }
  return addr;
}

/** clientAddress for an HTTP request (node's or Express's): its socket peer and X-Forwarded-For. */
export function requestClientAddress(
  req: { socket: { remoteAddress?: string | undefined }; headers: IncomingHttpHeaders },
  trusted: TrustedPeers,
): string {
  return clientAddress(req.socket.remoteAddress ?? '', req.headers['x-forwarded-for'], trusted);
}
