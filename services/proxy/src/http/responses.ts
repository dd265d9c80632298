import type { ServerResponse } from 'node:http';
import { errorBody, type GatehouseError } from '@gatehouse/shared';

export interface ChallengeOptions {
  realm: string;
  /** Basic (or app-token) auth is enabled: offer a Basic challenge too. */
  basic: boolean;
}

const q = (s: string) => s.replace(/["\\]/g, '');

/**
 * RFC 6750 / RFC 7617 challenges, one per enabled scheme. The Bearer challenge carries an error
 * only when a Bearer credential was presented (or the request was malformed).
 */
export function challenges(
  err: GatehouseError,
  scheme: 'Bearer' | 'Basic' | undefined,
  noCredential: boolean,
  o: ChallengeOptions,
): string[] {
  let bearer = `Bearer realm="${q(o.realm)}"`;
  if (err.code === 'INSUFFICIENT_SCOPE') {
    const scope = typeof err.extensions?.scope === 'string' ? err.extensions.scope : '';
    bearer += `, error="insufficient_scope", error_description="The request requires higher privileges than provided by the access token."${scope ? `, scope="${q(scope)}"` : ''}`;
  } else if (err.code === 'INVALID_REQUEST') {
    bearer += `, error="invalid_request", error_description="${q(err.message)}"`;
  } else if (!noCredential && scheme === 'Bearer') {
    const why =
      err.code === 'TOKEN_EXPIRED'
        ? 'The access token expired'
        : err.code === 'API_KEY_NOT_ACCEPTED'
          ? 'An API key is not an access token: exchange it first'
          : 'The access token is invalid';
    bearer += `, error="invalid_token", error_description="${why}"`;
  }
  const out = [bearer];
  if (o.basic) out.push(`Basic realm="${q(o.realm)}", charset="UTF-8"`);
  return out;
}

export function sendJsonError(res: ServerResponse, err: GatehouseError, headers: Record<string, string | string[]> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(err));
  const h: Record<string, string | string[] | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...headers,
  };
  if (err.retryAfter !== undefined) h['retry-after'] = String(err.retryAfter);
  res.writeHead(err.httpStatus, h);
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}

/** A top-level browser navigation (Accept prefers text/html, not XHR/fetch). */
export function isBrowserNavigation(method: string, headers: Record<string, string | string[] | undefined>): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (String(headers['x-requested-with'] ?? '').toLowerCase() === 'xmlhttprequest') return false;
  const mode = headers['sec-fetch-mode'];
  if (mode !== undefined && mode !== 'navigate') return false;
  const accept = String(headers.accept ?? '');
  let best = { type: '', q: -1 };
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const qv = qp ? Number(qp.slice(2)) : 1;
    if (type && Number.isFinite(qv) && qv > best.q) best = { type, q: qv };
  }
  return best.type === 'text/html' && best.q > 0;
}

export function redirectToLogin(res: ServerResponse, loginUrl: string, returnTo: string): void {
  const sep = loginUrl.includes('?') ? '&' : '?';
  res.writeHead(302, {
    location: `${loginUrl}${sep}redirect=${encodeURIComponent(returnTo)}`,
    'cache-control': 'no-store',
    'content-length': 0,
  });
  res.end();
}
