import type { Metadata } from '@grpc/grpc-js';
import { clientAddress, createTrustedPeers } from '@gatehouse/shared';

const loopback = createTrustedPeers(['loopback']);
const nobody = (): boolean => false;

/**
 * The client's IP for the limiter (the shared trusted-peer rule): the peer, or, when the peer is a
 * trusted local proxy (loopback) and trust is on, the last address the proxy appended to x-forwarded-for.
 */
export function clientIp(peer: string, metadata: Metadata, trustLoopbackProxy: boolean): string {
  return clientAddress(peer, metadata, trustLoopbackProxy ? loopback : nobody);
}
