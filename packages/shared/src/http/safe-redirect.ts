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

/**
 * An absolute http(s) URL as typed (`scheme://`, printable ASCII, no backslash, no user info), else
 * undefined: `//evil`, `/\evil`, `https:evil` and relative paths never parse here.
 */
function parseAbsolute(raw: string): URL | undefined {
  if (!/^https?:\/\/[\x21-\x2e\x30-\x5b\x5d-\x7e][\x21-\x5b\x5d-\x7e]*$/i.test(raw)) return undefined;
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
 * http(s) URLs without credentials qualify (`https://app@evil.example` never does). Exact paths, not
 * prefixes: a reset link or a finished flow must not be steerable to another page of the same site.
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
 * Where a flow may send the browser when it ends (a login `redirect`, an API key's
 * finalFrontendRedirect): a same-origin relative path that `safeRedirect` keeps as it is, or an
 * allow-listed absolute URL (`allowListedUrl`). Null for anything else: a protocol-relative,
 * backslashed, `javascript:`, credential-carrying or doubly-encoded target never passes.
 */
export function allowedRedirect(requested: unknown, allowList: readonly string[]): string | null {
  if (typeof requested !== 'string' || requested === '') return null;
  if (requested.startsWith('/')) return safeRedirect(requested) === requested ? requested : null;
  return allowListedUrl(requested, allowList)?.href ?? null;
}

/** `allowedRedirect`, or `fallback` where it refuses (the SSO callback always has somewhere to go). */
export function loginRedirectTarget(requested: unknown, allowList: readonly string[], fallback: string): string {
  return allowedRedirect(requested, allowList) ?? fallback;
}
