import { GatehouseError } from '@gatehouse/shared/errors';

/**
 * Segments of unreserved characters (RFC 3986 §2.3) that do not start with a dot, and at most a
 * trailing slash: what the full walk below would return unchanged (normalize-path.fuzz.test.ts
 * holds the two to the same answer).
 */
const CANONICAL = /^(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*\/?$/;

const bad = (detail: string) => new GatehouseError('INVALID_REQUEST', { message: 'Ambiguous or malformed request path.', detail });

/**
 * Canonical form of a request target's path, so `/public/../admin`, `/%2e%2e/admin`, `//admin`,
 * `/admin;x=1` or `/admin%2fx` cannot dodge a route rule. Anything a backend could read two ways is
 * refused (encoded slashes and backslashes, encoded dot segments, NUL and control bytes, `;params`,
 * dot segments that climb above the root, a non-origin-form target).
 * Returns the canonical path (encoded unreserved characters decoded, percent-encoding of other bytes
 * preserved) and the raw query.
 */
export function normalizePath(target: string): { path: string; query: string } {
  if (target.length === 0 || target[0] !== '/') throw bad('request target is not in origin form');
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q);
  // Most paths are already canonical: no percent sign, no empty or dot segment, nothing to refuse.
  return { path: CANONICAL.test(rawPath) ? rawPath : walkPath(rawPath), query };
}

/** The full check and canonicalisation of a path (no query), for the paths the fast test does not settle. */
export function walkPath(rawPath: string): string {
  if (rawPath.includes('#')) throw bad('fragment in request target');
  // eslint-disable-next-line no-control-regex -- refusing control bytes is the point
  if (/[\x00-\x20\x7f\\]/.test(rawPath)) throw bad('control byte, space or backslash in path');
  if (/%(?![0-9a-fA-F]{2})/.test(rawPath)) throw bad('malformed percent-encoding');
  // Decoding these would change the path's structure: refuse rather than guess.
  if (/%(2f|5c|00|2e|3b|25)/i.test(rawPath)) throw bad('encoded slash, backslash, dot, semicolon, percent or NUL in path');
  if (rawPath.includes(';')) throw bad('path parameters (;) are not accepted');
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    throw bad('invalid UTF-8 in path');
  }
  // eslint-disable-next-line no-control-regex -- refusing control bytes is the point
  if (/[\x00-\x1f\x7f]/.test(decoded)) throw bad('encoded control byte in path');
  // RFC 3986 §6.2.2.2: encoded unreserved characters mean the characters themselves, and upstreams
  // decode them, so `/public/%61dmin` must meet the rules of `/public/admin`.
  const canonical = rawPath.replace(/%([0-9a-fA-F]{2})/g, (m, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return /^[A-Za-z0-9_~-]$/.test(c) ? c : m;
  });
  const out: string[] = [];
  const segments = canonical.split('/').slice(1);
  for (const [i, seg] of segments.entries()) {
    const last = i === segments.length - 1;
    if (seg === '' && !last) continue; // collapse doubled slashes
    if (seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) throw bad('dot segments climb above the root');
      out.pop();
      continue;
    }
    out.push(seg);
  }
  return '/' + out.join('/');
}
