import { GatehouseError } from '../errors.js';
import type { OriginPolicy } from './origin-policy.js';

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Paths whose own state or signature protects them, so a cross-site POST is their normal case: an
 * external IdP's SSO callback (form_post; the sealed state cookie) and its back-channel logout (a
 * signed logout token).
 */
const EXEMPT = /^\/auth\/login\/[^/]+\/(?:callback|backchannel-logout)\/?$/;

export function isCsrfExempt(path: string): boolean {
  return EXEMPT.test(path);
}

export interface CookieRequest {
  method: string;
  /** The request's path (no query). */
  path: string;
  /** A protocol upgrade (WebSocket): always checked, whatever its method. */
  upgrade: boolean;
  /** The Origin header, if any. */
  origin: string | undefined;
  /** The Sec-Fetch-Site header, if any. */
  secFetchSite: string | undefined;
  /** Whether the request carries one of Gatehouse's auth cookies (session or refresh). */
  hasAuthCookie: boolean;
}

/**
 * The one CSRF rule (proxy for every route, auth-bearer and auth-basic where they read cookies
 * themselves). A request that carries an auth cookie and changes state (any method but GET, HEAD,
 * OPTIONS) or upgrades must come from an allowed page: its `Origin` is PUBLIC_URL's or listed in
 * GATEHOUSE_ALLOWED_ORIGINS, or it has no `Origin` and `Sec-Fetch-Site: same-origin`. Anything else
 * (another origin, `Origin: null`, neither header) → 403 CSRF_REJECTED. Without an auth cookie there
 * is nothing to forge; SSO callbacks and back-channel logout are exempt (isCsrfExempt).
 */
export function csrfRefusal(req: CookieRequest, policy: OriginPolicy): GatehouseError | undefined {
  if (!req.hasAuthCookie) return undefined;
  if (!req.upgrade && SAFE_METHODS.has(req.method.toUpperCase())) return undefined;
  if (isCsrfExempt(req.path)) return undefined;
  if (req.origin !== undefined) {
    if (policy.origins.has(req.origin.toLowerCase())) return undefined;
    return new GatehouseError('CSRF_REJECTED', { detail: `origin ${req.origin.slice(0, 200)} is not allowed` });
  }
  if (req.secFetchSite === 'same-origin') return undefined;
  return new GatehouseError('CSRF_REJECTED', {
    detail: req.secFetchSite === undefined ? 'cookie without Origin or Sec-Fetch-Site' : `Sec-Fetch-Site ${req.secFetchSite.slice(0, 40)}`,
  });
}

/** Whether a Cookie header carries a non-empty cookie of one of `names`. */
export function hasCookie(header: string | undefined, names: readonly string[]): boolean {
  if (!header) return false;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i === -1) continue;
    if (names.includes(part.slice(0, i).trim()) && part.slice(i + 1).trim() !== '') return true;
  }
  return false;
}

/** One header value of a node request's headers (the first when repeated). */
const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** csrfRefusal for a node/express request: method, path, headers, and the auth cookies' names. */
export function csrfRefusalOf(
  req: { method?: string | undefined; headers: Record<string, string | string[] | undefined> },
  path: string,
  cookieNames: readonly string[],
  policy: OriginPolicy,
): GatehouseError | undefined {
  return csrfRefusal(
    {
      method: req.method ?? 'GET',
      path,
      upgrade: req.headers.upgrade !== undefined,
      origin: one(req.headers.origin),
      secFetchSite: one(req.headers['sec-fetch-site']),
      hasAuthCookie: hasCookie(one(req.headers.cookie), cookieNames),
    },
    policy,
  );
}
