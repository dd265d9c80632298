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

/** An absolute http(s) URL without credentials, else undefined: '//evil', '/\evil' and relative paths never parse here. */
function parseAbsolute(raw: string): URL | undefined {
  if (!/^https?:\/\/[^/\\]/i.test(raw)) return undefined;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    if (u.username !== '' || u.password !== '') return undefined;
    return u;
  } catch {
    return undefined;
  }
}

/**
 * The URL when it equals an allow-list entry or has the same origin and path as one (query and
 * fragment may differ); otherwise undefined, for every URL when the list is empty. Only absolute
 * http(s) URLs without credentials qualify (`https://app@evil.example` never does).
 */
export function allowListedUrl(requested: unknown, allowList: readonly string[]): URL | undefined {
  if (typeof requested !== 'string' || requested.length > MAX_LENGTH) return undefined;
  const url = parseAbsolute(requested);
  if (!url) return undefined;
  for (const entry of allowList) {
    if (entry === requested) return url;
    const allowed = parseAbsolute(entry);
    if (allowed && allowed.origin === url.origin && allowed.pathname === url.pathname) return url;
  }
  return undefined;
}

/**
 * Where to send a browser after a sign-in: a same-origin relative path (see safeRedirect), or an
 * allow-listed absolute URL, else `fallback`. Never a protocol-relative, backslashed, `javascript:`,
 * credential-carrying or doubly-encoded target.
 */
export function loginRedirectTarget(requested: unknown, allowList: readonly string[], fallback: string): string {
  if (typeof requested !== 'string' || requested === '') return fallback;
  if (requested.startsWith('/')) {
    const safe = safeRedirect(requested);
    return safe === requested ? safe : fallback;
  }
  return allowListedUrl(requested, allowList)?.href ?? fallback;
}
