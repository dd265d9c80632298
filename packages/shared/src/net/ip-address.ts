import { isIPv4 } from 'node:net';

const MAPPED = '::ffff:';

/**
 * An IPv4-mapped IPv6 address (`::ffff:10.0.0.5`, what a dual-stack socket reports for an IPv4
 * peer) as the plain IPv4 address; anything else unchanged. Lists, limiters and logs then see one
 * spelling per client.
 */
export function unmapIpv4(ip: string): string {
  return ip.toLowerCase().startsWith(MAPPED) && isIPv4(ip.slice(MAPPED.length)) ? ip.slice(MAPPED.length) : ip;
}

/**
 * The address in a grpc-js peer string (`ipv4:10.0.0.1:5555`, `ipv6:[::1]:5555`, `10.0.0.1:5555`),
 * unmapped; the string itself when it has another shape (a unix socket).
 */
export function grpcPeerAddress(peer: string): string {
  const m = /^(?:ipv4:)?(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(peer) ?? /^(?:ipv6:)?\[([^\]]+)\]:\d+$/.exec(peer);
  return unmapIpv4(m?.[1] ?? peer);
}
