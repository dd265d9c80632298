import { GatehouseError, selfCaller, type IdentityClaims } from '@gatehouse/shared';
import type { Request } from 'express';

/**
 * The authenticated caller in person (shared `selfCaller`): an app token, an API key or a service
 * acting for the user cannot create, list or delete app tokens.
 */
export function tokenManager(req: Request): IdentityClaims {
  return selfCaller(req.identity, 'App tokens');
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
