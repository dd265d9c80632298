/** Where the login page goes when the `redirect` parameter is absent or refused. */
export const DEFAULT_REDIRECT = '/';

const MAX_LENGTH = 2048;
const MAX_DECODING_ROUNDS = 4;
const ORIGIN = 'https://origin.invalid';

/**
 * As received (one query-string decoding already done): printable ASCII only, no backslash (browsers
 * read `\` as `/`; they also drop tabs and newlines anywhere in a URL, so `/\t/evil` would become
 * `//evil`), a single leading `/`, and resolved against an origin it stays on that origin.
 */
function isSafeRaw(path: string): boolean {
  return /^\/(?![/\\])[\x21-\x5b\x5d-\x7e]*$/.test(path) && new URL(path, ORIGIN).origin === ORIGIN;
}

/** After a further percent-decoding: still one leading `/`, and no backslash or control character. */
function isSafeDecoded(path: string): boolean {
  if (!/^\/(?![/\\])/.test(path) || path.includes('\\')) return false;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}

/** Lenient percent-decoding of ASCII escapes (never throws; `%zz` and lone `%` stay as they are). */
function decodeOnce(s: string): string {
  return s.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * The login page's `redirect` parameter if it is a same-origin relative path, else DEFAULT_REDIRECT:
 * missing, repeated (an array), too long, absolute (`http:`, `javascript:`), protocol-relative (`//evil`,
 * `/\evil`), with control characters, or becoming one of those once percent-decoded again (`/%2F/evil`,
 * `/%5Cevil`, double encodings): a component that decodes the value once more cannot be tricked either.
 */
export function safeRedirect(input: unknown): string {
  if (typeof input !== 'string' || input.length > MAX_LENGTH || !isSafeRaw(input)) return DEFAULT_REDIRECT;
  let current = input;
  for (let round = 0; round < MAX_DECODING_ROUNDS; round++) {
    const decoded = decodeOnce(current);
    if (decoded === current) return input;
    if (!isSafeDecoded(decoded)) return DEFAULT_REDIRECT;
    current = decoded;
  }
  return DEFAULT_REDIRECT; // encoded more deeply than any honest path
}
