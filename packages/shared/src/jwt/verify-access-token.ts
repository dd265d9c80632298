import { errors as joseErrors, jwtVerify, type JWTHeaderParameters } from 'jose';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { GatehouseError } from '../errors.js';
import { ACCESS_TOKEN_TYP, type AccessTokenClaims } from './claims.js';
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
  /** Expected `typ` header (default at+jwt). */
  typ?: string;
  clock?: Clock;
}

export type AccessTokenVerifier = (token: string) => Promise<AccessTokenClaims>;

const ASYMMETRIC = new Set(['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA', 'Ed25519']);
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const invalid = (detail: string) => new GatehouseError('INVALID_TOKEN', { detail });

/**
 * The one access-token verifier (auth-bearer and the proxy both use it): size checked before
 * decoding, pinned algorithms, required exp/iat/iss/aud/sub/jti, typ checked, bounded clock skew,
 * jku/x5u/jwk headers ignored (keys only come from `keys`, looked up by kid).
 */
export function createAccessTokenVerifier(opts: VerifierOptions): AccessTokenVerifier {
  const algorithms = (opts.algorithms ?? ['ES256', 'RS256', 'EdDSA']).filter((a) => ASYMMETRIC.has(a));
  if (algorithms.length === 0) throw new Error('verifier needs at least one asymmetric algorithm');
  const skew = opts.clockSkewSec ?? 30;
  const maxBytes = opts.maxTokenBytes ?? 8192;
  const typ = opts.typ ?? ACCESS_TOKEN_TYP;
  const clock = opts.clock ?? systemClock;

  return async (token: string): Promise<AccessTokenClaims> => {
    if (typeof token !== 'string' || token.length === 0) throw invalid('empty token');
    if (Buffer.byteLength(token) > maxBytes) throw invalid(`token larger than ${maxBytes} bytes`);
    if (!COMPACT.test(token)) throw invalid('not a compact JWS');
    const now = clock.now();
    try {
      const { payload } = await jwtVerify(
        token,
        async (header: JWTHeaderParameters) => {
          const key = await opts.keys.getKey(header.kid, header.alg);
          if (!key) throw invalid(`no key for kid ${String(header.kid)} / ${header.alg}`);
          return key;
        },
        {
          algorithms,
          issuer: opts.issuer,
          audience: opts.audience,
          typ,
          clockTolerance: skew,
          currentDate: new Date(now),
          requiredClaims: ['exp', 'iat', 'iss', 'aud', 'sub', 'jti'],
        },
      );
      if (typeof payload.iat !== 'number' || payload.iat > Math.floor(now / 1000) + skew) throw invalid('iat in the future');
      if (typeof payload.sub !== 'string' || payload.sub === '') throw invalid('sub missing');
      return payload as AccessTokenClaims;
    } catch (err) {
      if (err instanceof GatehouseError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new GatehouseError('TOKEN_EXPIRED', { detail: err.message });
      throw invalid(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    }
  };
}
