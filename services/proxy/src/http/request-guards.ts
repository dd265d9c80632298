import type { IncomingMessage } from 'node:http';
import { GatehouseError } from '@gatehouse/shared';

const invalid = (detail: string) => new GatehouseError('INVALID_REQUEST', { detail });

/**
 * Framing and credential checks before anything else (smuggling defences on top of node's strict
 * parser): only `chunked` as a transfer coding, never with Content-Length, a single Content-Length,
 * a single Authorization, no access token in the query string, bounded declared bodies.
 */
export function checkRequest(req: IncomingMessage, maxBodyBytes: number): GatehouseError | null {
  let te = 0;
  let cl = 0;
  let auth = 0;
  let host = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    if (name === 'transfer-encoding') {
      te++;
      if (value.trim().toLowerCase() !== 'chunked') return invalid(`transfer coding "${value}" not supported`);
    } else if (name === 'content-length') {
      cl++;
      if (!/^\d{1,15}$/.test(value.trim())) return invalid('malformed Content-Length');
    } else if (name === 'authorization') auth++;
    else if (name === 'host') host++;
    else if (name.replace(/_/g, '-') === 'transfer-encoding' || name.replace(/_/g, '-') === 'content-length')
      return invalid('framing header spelled with underscores');
  }
  if (te > 1) return invalid('repeated Transfer-Encoding');
  if (te > 0 && cl > 0) return invalid('both Transfer-Encoding and Content-Length');
  if (cl > 1) return invalid('repeated Content-Length');
  if (auth > 1) return invalid('repeated Authorization');
  if (host > 1) return invalid('repeated Host');
  if (cl === 1 && Number(req.headers['content-length']) > maxBodyBytes) return new GatehouseError('PAYLOAD_TOO_LARGE');
  return null;
}

/** RFC 6750 §2.3 is not supported: a token in the query string is refused, never used. */
export function hasQueryToken(query: string): boolean {
  if (query.length < 2) return false;
  const params = new URLSearchParams(query.slice(1));
  return params.has('access_token');
}
