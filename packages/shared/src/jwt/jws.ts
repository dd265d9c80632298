import type { CryptoKey, JWSHeaderParameters } from 'jose';
import { GatehouseError } from '../errors.js';
import { duplicateMember } from './duplicate-members.js';
import type { KeySource } from './key-source.js';
import { verifySignature } from './signature.js';

/** Every JWS algorithm the signature layer knows. HMAC and `none` are deliberately absent. */
export const ASYMMETRIC_JWS_ALGORITHMS: readonly string[] = [
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
  'Ed25519',
];

/**
 * Header parameters that point at keys. They are never followed (no fetch, no embedded key is
 * ever trusted): a token carrying one is refused outright, so no code path can be tricked into
 * using an attacker-chosen key (RFC 8725 §3.10).
 */
export const KEY_REFERENCE_HEADERS: readonly string[] = ['jku', 'x5u', 'jwk', 'x5c'];

export interface VerifyJwsOptions {
  /** Pinned algorithms; anything else (including `none` in any spelling and HMAC) is refused. */
  algorithms: readonly string[];
  /** Where keys come from; `kid` is only a lookup key into it. */
  keys: KeySource;
  /** Refused before any decoding when longer (default 8192 bytes). */
  maxBytes?: number;
}

export interface VerifiedJws {
  header: JWSHeaderParameters;
  payload: Uint8Array;
  key: CryptoKey;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

const invalid = (detail: string) => new GatehouseError('INVALID_TOKEN', { detail });

/**
 * Strict base64url (RFC 7515 §2): the URL-safe alphabet, no padding, no whitespace, and canonical
 * (the unused trailing bits are zero), so one token has exactly one spelling.
 */
function strictBase64url(segment: string, what: string): Buffer {
  if (!B64URL.test(segment) || segment.length % 4 === 1) throw invalid(`${what} is not base64url`);
  const bytes = Buffer.from(segment, 'base64url');
  if (bytes.toString('base64url') !== segment) throw invalid(`${what} is not canonical base64url`);
  return bytes;
}

/**
 * The signature layer of every Gatehouse token check: compact serialization only, size checked
 * before decoding, strict base64url, a JSON-object header whose `alg` is one of the pinned
 * algorithms, no `crit` extensions, no key-reference headers, and a key looked up by (kid, alg) in
 * a configured key source; a header naming a member twice is refused (duplicateMember). Claims are not looked at here (see createAccessTokenVerifier).
 */
export async function verifyJws(token: string, opts: VerifyJwsOptions): Promise<VerifiedJws> {
  const maxBytes = opts.maxBytes ?? 8192;
  const allowed = new Set(opts.algorithms.filter((a) => ASYMMETRIC_JWS_ALGORITHMS.includes(a)));
  if (allowed.size === 0) throw new Error('verifyJws needs at least one pinned asymmetric algorithm');
  if (typeof token !== 'string' || token.length === 0) throw invalid('empty token');
  // Length first: nothing of an oversized token is decoded (string length ≤ byte length).
  if (token.length > maxBytes || Buffer.byteLength(token) > maxBytes) throw invalid(`token larger than ${maxBytes} bytes`);
  const parts = token.split('.');
  if (parts.length !== 3) throw invalid('not a compact JWS (three segments expected)');
  const [h, p, s] = parts as [string, string, string];
  if (h === '' || s === '') throw invalid('missing header or signature');
  const headerBytes = strictBase64url(h, 'header');
  strictBase64url(p, 'payload');
  const signature = strictBase64url(s, 'signature');

  const headerText = headerBytes.toString('utf8');
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch {
    throw invalid('header is not JSON');
  }
  const twice = duplicateMember(headerText);
  if (twice !== undefined) throw invalid(`header member ${twice} appears twice`);
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw invalid('header is not a JSON object');
  const hdr = header as JWSHeaderParameters & Record<string, unknown>;
  // Never String() an attacker's value: an object whose toString is not a function throws a TypeError.
  if (typeof hdr.alg !== 'string') throw invalid(`algorithm of type ${hdr.alg === null ? 'null' : typeof hdr.alg} is not allowed`);
  if (!allowed.has(hdr.alg)) throw invalid(`algorithm ${hdr.alg} is not allowed`);
  for (const name of KEY_REFERENCE_HEADERS) if (name in hdr) throw invalid(`key-reference header ${name} is refused`);
  if ('crit' in hdr) throw invalid('crit header is not supported');
  if ('b64' in hdr) throw invalid('b64 header is not supported');
  if (hdr.kid !== undefined && typeof hdr.kid !== 'string') throw invalid('kid is not a string');

  const key = await opts.keys.getKey(hdr.kid, hdr.alg);
  if (!key) throw invalid(`no key for kid ${String(hdr.kid)} / ${hdr.alg}`);
  let ok: boolean;
  try {
    ok = verifySignature(hdr.alg, key, Buffer.from(`${h}.${p}`), signature);
  } catch (err) {
    throw invalid(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  }
  if (!ok) throw invalid('signature verification failed');
  return { header: hdr, payload: Buffer.from(p, 'base64url'), key };
}
