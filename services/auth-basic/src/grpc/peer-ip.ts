import type { Metadata } from '@grpc/grpc-js';

/** "ipv4:127.0.0.1:5555" / "ipv6:[::1]:5555" → the address. */
export function peerAddress(peer: string): string {
  const m = /^(?:ipv4:)?([\d.]+):\d+$/.exec(peer) ?? /^(?:ipv6:)?\[([^\]]+)\]:\d+$/.exec(peer);
  return m?.[1] ?? peer;
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * The client's IP for the limiter: the peer, or, when the peer is a trusted local proxy (loopback)
 * and trust is on, the last address the proxy appended to x-forwarded-for.
 */
export function clientIp(peer: string, metadata: Metadata, trustLoopbackProxy: boolean): string {
  const addr = peerAddress(peer);
  if (!trustLoopbackProxy || !LOOPBACK.test(addr)) return addr;
  const xff = metadata.get('x-forwarded-for')[0];
  if (typeof xff !== 'string') return addr;
  const last = xff.split(',').pop()?.trim();
  return last && last.length <= 64 ? last : addr;
}
