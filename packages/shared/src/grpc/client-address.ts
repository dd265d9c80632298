import type { Metadata } from '@grpc/grpc-js';
import { unmapIPv4 } from '../net/trusted-peers.js';

/** "ipv4:127.0.0.1:5555" / "ipv6:[::1]:5555" → the address. */
export function peerAddress(peer: string): string {
  const m = /^(?:ipv4:)?([\d.]+):\d+$/.exec(peer) ?? /^(?:ipv6:)?\[([^\]]+)\]:\d+$/.exec(peer);
  return unmapIPv4(m?.[1] ?? peer);
}

/**
 * The client's address for a gRPC call: the peer, or, when the peer is trusted (the proxy's gRPC
 * entry), the last address in its `x-forwarded-for` metadata (the entry sets it to the socket it
 * served; earlier entries are whatever a client claimed and are never believed).
 */
export function clientAddress(peer: string, metadata: Metadata, isTrusted: (ip: string) => boolean): string {
  const addr = peerAddress(peer);
  if (!isTrusted(addr)) return addr;
  const xff = metadata.get('x-forwarded-for')[0];
  if (typeof xff !== 'string') return addr;
  const last = xff.split(',').pop()?.trim();
  return last && last.length <= 64 ? unmapIPv4(last) : addr;
}
