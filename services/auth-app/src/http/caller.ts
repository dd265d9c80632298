import { GatehouseError, isDelegatedCredential, type IdentityClaims } from '@gatehouse/shared';
import type { Request } from 'express';

/**
 * The authenticated caller, refused when it authenticated with an app token (or an API key):
 * a leaked app token must not be able to mint, list or delete app tokens.
 */
export function tokenManager(req: Request): IdentityClaims {
  const id = req.identity;
  if (!id) throw new GatehouseError('UNAUTHENTICATED');
  if (isDelegatedCredential(id)) {
    throw new GatehouseError('FORBIDDEN', { message: 'App tokens cannot be managed with an app token or API key.' });
  }
  return id;
}

/** The tokens API takes its input from the query string only; a body is refused rather than ignored. */
export function assertNoBody(req: Request): void {
  const length = Number(req.headers['content-length'] ?? 0);
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (length === 0 && !chunked) return;
  const body: unknown = req.body;
  const empty = body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0);
  if (!empty)
    throw new GatehouseError('INVALID_PAYLOAD', { message: 'Parameters go in the query string; the request body must be empty.' });
}
