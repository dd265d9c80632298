import type { Metadata } from '@grpc/grpc-js';
import { clientAddress, grpcPeerAddress, type TrustedPeers } from '@gatehouse/shared';

/** The client's address of a gRPC call: the peer, or what a trusted proxy put in x-forwarded-for. */
export function clientIpOf(call: { peer: string; metadata: Metadata }, trusted: TrustedPeers): string {
  const forwarded = call.metadata.get('x-forwarded-for').filter((v): v is string => typeof v === 'string');
  return clientAddress(grpcPeerAddress(call.peer), forwarded.length > 0 ? forwarded : undefined, trusted);
}
