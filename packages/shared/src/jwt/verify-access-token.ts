import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { GatehouseError } from '../errors.js';
import { ACCESS_TOKEN_TYP, type AccessTokenClaims } from './claims.js';
import { duplicateMember } from './duplicate-members.js';
import { ASYMMETRIC_JWS_ALGORITHMS, verifyJws } from './jws.js';
import type { KeySource } from './key-source.js';

export interface VerifierOptions {
  issuer: string | string[];
  audience: string | string[];
  keys: KeySource;
  /** Pinned algorithms (default ES256, RS256, EdDSA); `none` and HMAC are never accepted. */
  algorithms?: string[];
  /** Allowed clock skew in seconds (default 30). */
  clockSkewSec?: number;
  /** Tokens longer than this are refused before any decoding (default 8192 bytes). */
  maxTokenBytes?: number;
  /** Accepted `typ` headers (default at+jwt; `application/at+jwt` is the same media type). */
  typ?: string | readonly string[];
  /** Accept tokens without a `typ` header (default false). For IdPs that do not type access tokens. */
  typOptional?: boolean;
  /** String claims required besides iss and sub (default jti and client_id, as Gatehouse issues them). */
  requiredClaims?: readonly string[];
  clock?: Clock;
}

export type AccessTokenVerifier = (token: string) => Promise<AccessTokenClaims>;

const invalid = (detail: string) => new GatehouseError('INVALID_TOKEN', { detail });

/** RFC 7515 §4.1.9: `typ` is a media type; the `application/` prefix may be left out. */
function sameMediaType(actual: unknown, expected: string): boolean {
  if (typeof actual !== 'string') return false;
  const norm = (t: string) => t.toLowerCase().replace(/^application\//, '');
  return norm(actual) === norm(expected);
}

const isNumericDate = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The one access-token verifier (auth-bearer and the proxy both use it). Signature layer: see
 * verifyJws (size before decoding, pinned algorithms, strict encoding, key-reference headers
 * refused, kid only a lookup key). Claims: no member named twice, typ at+jwt, iss and aud exact, exp/iat/sub/jti/client_id
 * present, exp and nbf with bounded skew, iat not in the future.
 * Expired tokens give TOKEN_EXPIRED, everything else INVALID_TOKEN.
 */
export function createAccessTokenVerifier(opts: VerifierOptions): AccessTokenVerifier {
  const algorithms = (opts.algorithms ?? ['ES256', 'RS256', 'EdDSA']).filter((a) => ASYMMETRIC_JWS_ALGORITHMS.includes(a));
  if (algorithms.length === 0) throw new Error('verifier needs at least one asymmetric algorithm');
  const skew = opts.clockSkewSec ?? 30;
  const maxBytes = opts.maxTokenBytes ?? 8192;
  const typs = typeof opts.typ === 'string' ? [opts.typ] : (opts.typ ?? [ACCESS_TOKEN_TYP]);
  const required = ['iss', 'sub', ...(opts.requiredClaims ?? ['jti', 'client_id'])];
  const clock = opts.clock ?? systemClock;
  const issuers = new Set(Array.isArray(opts.issuer) ? opts.issuer : [opts.issuer]);
  const audiences = new Set(Array.isArray(opts.audience) ? opts.audience : [opts.audience]);

  return async (token: string): Promise<AccessTokenClaims> => {
    const { header, payload } = await verifyJws(token, { algorithms, keys: opts.keys, maxBytes });
    const typOk = header.typ === undefined ? opts.typOptional === true : typs.some((t) => sameMediaType(header.typ, t));
    if (!typOk) throw invalid(`typ ${String(header.typ)} is not ${typs.join(' or ')}`);

    const text = Buffer.from(payload).toString('utf8');
    let claims: unknown;
    try {
      claims = JSON.parse(text);
    } catch {
      throw invalid('payload is not JSON');
    }
    // Signed by a trusted key is not enough: `{"sub":"ada","sub":"root"}` reads as two users.
    const twice = duplicateMember(text);
    if (twice !== undefined) throw invalid(`claim ${twice} appears twice`);
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw invalid('payload is not a JSON object');
    const c = claims as Record<string, unknown>;

    for (const name of required) {
      if (typeof c[name] !== 'string' || c[name] === '') throw invalid(`${name} missing`);
    }
    if (!isNumericDate(c.exp)) throw invalid('exp missing');
    if (!isNumericDate(c.iat)) throw invalid('iat missing');
    if (c.nbf !== undefined && !isNumericDate(c.nbf)) throw invalid('nbf is not a number');
    if (!issuers.has(c.iss as string)) throw invalid('unexpected iss');
    const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
    if (aud.length === 0 || !aud.every((a) => typeof a === 'string') || !aud.some((a) => audiences.has(a))) throw invalid('unexpected aud');

    const now = Math.floor(clock.now() / 1000);
    if (c.iat > now + skew) throw invalid('iat in the future');
    if (c.nbf !== undefined && c.nbf > now + skew) throw invalid('nbf in the future');
    if (c.exp <= now - skew) throw new GatehouseError('TOKEN_EXPIRED', { detail: `expired at ${c.exp}` });
    return c as AccessTokenClaims;
  };
}
