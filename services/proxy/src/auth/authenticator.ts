import { hash } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { AuthPrincipal } from '../domain/principal.js';

/** What an authenticator may look at. Never logged. */
export interface AuthInput {
  /** The single Authorization header, if any. */
  authorization: string | undefined;
  /** The Cookie header(s), joined. */
  cookie: string | undefined;
  ip: string;
}

/**
 * One credential type. `authenticate` returns null when the request carries no credential of its
 * kind (the chain moves on), a principal when it verified one, and throws a GatehouseError for a
 * bad credential (INVALID_TOKEN, TOKEN_EXPIRED, INVALID_CREDENTIALS → 401) or when its backend
 * cannot answer (SERVICE_UNAVAILABLE → 503: fail closed).
 * Adding a credential type (API keys, external issuers) is one module implementing this.
 */
export interface Authenticator {
  /** bearer | app | basic | session | apikey | ... (metrics, logs, identity auth_method). */
  readonly method: string;
  /** The HTTP auth scheme it answers for, for WWW-Authenticate challenges. */
  readonly scheme?: 'Bearer' | 'Basic';
  authenticate(input: AuthInput): Promise<AuthPrincipal | null>;
}

export interface ParsedAuthorization {
  scheme: string;
  value: string;
}

/**
 * The last header parsed and its result. The gatekeeper and each authenticator of the chain ask for
 * the same request's header in turn: it is parsed once per request, not once per asker. Results
 * are frozen (shared between askers) and depend only on the header string.
 */
let lastAuthorization: { header: string; parsed: Readonly<ParsedAuthorization> | null } | undefined;
let lastBasic: { header: string; basic: Readonly<{ username: string; password: string }> | null } | undefined;

/** `Scheme value` with a case-insensitive scheme; null when absent or malformed. */
export function parseAuthorization(header: string | undefined): Readonly<ParsedAuthorization> | null {
  if (!header) return null;
  if (lastAuthorization?.header === header) return lastAuthorization.parsed;
  const m = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*) +(\S+)\s*$/.exec(header);
  const parsed = m ? Object.freeze({ scheme: m[1]!.toLowerCase(), value: m[2]! }) : null;
  lastAuthorization = { header, parsed };
  return parsed;
}

/** Decodes HTTP Basic credentials; null when the header is not Basic or not decodable. */
export function parseBasic(header: string | undefined): Readonly<{ username: string; password: string }> | null {
  if (!header) return null;
  if (lastBasic?.header === header) return lastBasic.basic;
  const basic = decodeBasic(parseAuthorization(header));
  lastBasic = { header, basic };
  return basic;
}

function decodeBasic(a: Readonly<ParsedAuthorization> | null): Readonly<{ username: string; password: string }> | null {
  if (!a || a.scheme !== 'basic') return null;
  if (!/^[A-Za-z0-9+/]+=*$/.test(a.value)) return null;
  const text = Buffer.from(a.value, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i <= 0) return null;
  return Object.freeze({ username: text.slice(0, i), password: text.slice(i + 1) });
}

/**
 * The Bearer token of a request, when its unverified `iss` is one of `issuers` (any token when no
 * list is given); else null, so the chain moves on. The `iss` only picks the authenticator: the
 * token is verified by it afterwards.
 */
export function bearerTokenFor(header: string | undefined, issuers?: readonly string[]): string | null {
  const a = parseAuthorization(header);
  if (!a || a.scheme !== 'bearer') return null;
  if (!issuers) return a.value;
  let iss: unknown;
  try {
    iss = decodeJwt(a.value).iss;
  } catch {
    return null;
  }
  return typeof iss === 'string' && issuers.includes(iss) ? a.value : null;
}

/** The cache key of a verified token: its SHA-256 (base64url), never the token itself (one-shot, no Hash object per request). */
export function tokenCacheKey(token: string): string {
  return hash('sha256', token, 'base64url');
}
