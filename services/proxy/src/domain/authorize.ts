import { GatehouseError } from '@gatehouse/shared/errors';
import type { Identity } from '@gatehouse/shared';

/** A route's requirements: every scope, any one role. */
export function authorize(identity: Identity, req: { scopes: readonly string[]; roles: readonly string[] }): GatehouseError | null {
  const missing = req.scopes.filter((s) => !identity.scopes.includes(s));
  if (missing.length > 0)
    return new GatehouseError('INSUFFICIENT_SCOPE', {
      detail: `missing scopes ${missing.join(' ')}`,
      extensions: { scope: req.scopes.join(' ') },
    });
  if (req.roles.length > 0 && !req.roles.some((r) => identity.roles.includes(r)))
    return new GatehouseError('FORBIDDEN', { detail: `needs one of roles ${req.roles.join(',')}` });
  return null;
}
