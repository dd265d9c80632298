import { GatehouseError } from '@gatehouse/shared';
import type { AuthPrincipal } from '../domain/principal.js';
import type { AuthInput, Authenticator } from './authenticator.js';

export type ChainResult = { principal: AuthPrincipal; method: string } | { principal: null; presented: boolean };

/**
 * Runs the authenticators in order: the first that recognises a credential decides. A bad
 * credential stops the chain (its error propagates); no credential at all gives `principal: null`
 * (`presented` tells whether an Authorization header nobody recognised was sent).
 */
export async function runAuthChain(chain: readonly Authenticator[], input: AuthInput): Promise<ChainResult> {
  for (const a of chain) {
    const p = await a.authenticate(input);
    if (p) {
      if (!p.identity.sub) throw new GatehouseError('INVALID_CREDENTIALS', { detail: `${a.method}: principal without subject` });
      return { principal: p, method: a.method };
    }
  }
  return { principal: null, presented: input.authorization !== undefined };
}
