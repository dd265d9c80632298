import type { Metadata } from '@grpc/grpc-js';
import { clientAddress } from '../net/client-address.js';
import { grpcPeerAddress } from '../net/ip-address.js';
import type { TrustedPeers } from '../net/trusted-peers.js';

/**
 * The client's address of a gRPC call: the peer, or, when the peer is a trusted proxy (the proxy's
 * gRPC entry sets `x-forwarded-for` to the socket it served), what the shared X-Forwarded-For walk
 * finds in that metadata. auth-basic (login limiter) and auth-apikey (exchange limiter) use it.
 */
export function grpcClientAddress(call: { peer: string; metadata: Metadata }, trusted: TrustedPeers): string {
  const forwarded = call.metadata.get('x-forwarded-for').filter((v): v is string => typeof v === 'string');
  return clientAddress(grpcPeerAddress(call.peer), forwarded.length > 0 ? forwarded : undefined, trusted);
}
