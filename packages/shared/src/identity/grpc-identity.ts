import type { Metadata } from '@grpc/grpc-js';
import { GatehouseError } from '../errors.js';
import { IDENTITY_HEADER, type IdentityClaims } from './identity-token.js';

/**
 * The caller of a gRPC method behind the proxy's gRPC entry: the entry authenticates the call and
 * forwards `x-gatehouse-identity` (signed by the proxy; a client-sent copy is stripped). The value is
 * verified here, like `requireIdentity` does for HTTP. Absent or bad → UNAUTHENTICATED.
 */
export async function identityFromMetadata(
  metadata: Metadata,
  verify: (token: string) => Promise<IdentityClaims>,
): Promise<IdentityClaims> {
  const values = metadata.get(IDENTITY_HEADER);
  if (values.length !== 1 || typeof values[0] !== 'string') throw new GatehouseError('UNAUTHENTICATED', { detail: 'no identity metadata' });
  return verify(values[0]);
}
