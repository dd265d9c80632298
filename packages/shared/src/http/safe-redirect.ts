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

/** Whether `url` is at or below an allow-list entry: same origin, and its path under the entry's path. */
function underEntry(url: URL, entry: URL): boolean {
  if (url.origin !== entry.origin) return false;
  const base = entry.pathname.endsWith('/') ? entry.pathname : `${entry.pathname}/`;
  return url.pathname === entry.pathname || url.pathname.startsWith(base);
}

/**
 * Where a flow may send the browser when it ends (a finalFrontendRedirect, a login `redirect`): a
 * same-origin relative path as `safeRedirect` keeps it, or an absolute http(s) URL at or below an
 * entry of `allowList` (same scheme, host and port; path under the entry's path; no user info, no
 * `https:host` shorthand, printable ASCII only). Returns the URL to use, or null for anything else:
 * the caller refuses it rather than falling back, so nobody is sent where they did not ask to go.
 */
export function allowedRedirect(input: unknown, allowList: readonly string[]): string | null {
  if (typeof input !== 'string' || input === '' || input.length > MAX_LENGTH) return null;
  if (input.startsWith('/')) return safeRedirect(input) === input ? input : null;
  if (!/^https?:\/\/[\x21-\x5b\x5d-\x7e]+$/i.test(input)) return null;
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return null;
  }
  if (url.username !== '' || url.password !== '') return null;
  for (const raw of allowList) {
    let entry: URL;
    try {
      entry = new URL(raw);
    } catch {
      continue;
    }
    if ((entry.protocol === 'http:' || entry.protocol === 'https:') && underEntry(url, entry)) return url.href;
  }
  return null;
}
