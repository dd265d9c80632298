import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { unmapIpv4 } from '@gatehouse/shared/net';
import { ownSetCookie, withoutOwnCookies, type CookieGuard, type OwnsCookie } from './gatehouse-cookies.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus legacy ones; never forwarded in either direction. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
  'http2-settings',
]);

/** Headers a client could use to claim an identity or re-route a request; always removed. */
const SPOOFABLE_EXACT = new Set([
  'x-remote-user',
  'remote-user',
  'x-forwarded-user',
  'x-forwarded-email',
  'x-forwarded-groups',
  'x-forwarded-preferred-username',
  'x-forwarded-access-token',
  'x-webauth-user',
  'x-authenticated-user',
  'x-authenticated-userid',
  'x-auth-user',
  'x-real-user',
  'x-email',
  'x-user',
  'x-userid',
  'x-username',
  'x-user-name',
  'x-roles',
  'x-groups',
  'x-scopes',
  'x-principal',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'x-original-url',
  'x-rewrite-url',
  'x-original-uri',
  'x-original-method',
  'x-forwarded-prefix',
  'x-forwarded-uri',
  'x-envoy-original-path',
  'forwarded',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-server',
]);
const SPOOFABLE_PREFIXES = [
  'x-gatehouse-',
  'x-user-',
  'x-remote-',
  'x-auth-request-',
  'x-authenticated-',
  'x-consumer-',
  'x-credential-',
  'x-identity',
  'x-userinfo',
  'x-jwt-',
  'x-amzn-oidc-',
  'x-ms-client-principal',
];

/** Header names compared the way backends (CGI, WSGI, some proxies) see them: `_` and `-` alike. */
export function canonicalHeaderName(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}

export function isSpoofable(name: string): boolean {
  const n = canonicalHeaderName(name);
  return SPOOFABLE_EXACT.has(n) || SPOOFABLE_PREFIXES.some((p) => n.startsWith(p));
}

const NONE: ReadonlySet<string> = new Set();
/** The last single Connection value seen and its names: nearly every client sends the same one. */
let lastConnection: { value: string; names: ReadonlySet<string> } = { value: '', names: NONE };

/** Names listed in Connection, which are hop-by-hop too. */
function connectionListed(headers: IncomingHttpHeaders): ReadonlySet<string> {
  const c: string | string[] | undefined = headers.connection;
  if (c === undefined) return NONE;
  if (typeof c === 'string') {
    if (c === lastConnection.value) return lastConnection.names;
    const names = listedIn([c]);
    lastConnection = { value: c, names };
    return names;
  }
  return listedIn(c);
}

function listedIn(values: readonly string[]): ReadonlySet<string> {
  const out = new Set<string>();
  for (const v of values) for (const t of v.split(',')) if (t.trim()) out.add(canonicalHeaderName(t.trim()));
  return out;
}

export interface ForwardContext {
  remoteAddress: string;
  trusted: boolean;
  encrypted: boolean;
  passAuthorization: boolean;
  /** Gatehouse's cookies, removed from Cookie (unset: the route passes them, `passCookies`). */
  dropCookies?: OwnsCookie | undefined;
  /** Keep Upgrade/Connection for WebSocket handshakes. */
  upgrade?: boolean;
}

/**
 * The request headers sent upstream, built from `rawHeaders` so duplicates and odd spellings
 * (`X_User_Id`, `x-USER-id`) are all seen: hop-by-hop, Connection-listed, identity-like and
 * routing-override headers are dropped; X-Forwarded-* are rebuilt from the socket (client values
 * kept only from trusted proxies).
 */
export function upstreamRequestHeaders(
  rawHeaders: readonly string[],
  headers: IncomingHttpHeaders,
  ctx: ForwardContext,
): OutgoingHttpHeaders {
  const listed = connectionListed(headers);
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = canonicalHeaderName(rawHeaders[i]!);
    const value = rawHeaders[i + 1]!;
    if (HOP_BY_HOP.has(name) || listed.has(name) || isSpoofable(name)) continue;
    if (name === 'authorization' && !ctx.passAuthorization) continue;
    if (name === 'host') continue;
    const cur = out[name];
    if (cur === undefined) out[name] = value;
    else if (name === 'cookie') out[name] = `${cur as string}; ${value}`;
    else out[name] = Array.isArray(cur) ? [...cur, value] : [cur, value];
  }
  if (ctx.dropCookies && typeof out.cookie === 'string') {
    const kept = withoutOwnCookies(out.cookie, ctx.dropCookies);
    if (kept === undefined) delete out.cookie;
    else out.cookie = kept;
  }
  const ip = unmapIpv4(ctx.remoteAddress);
  const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
  const clientXff = ctx.trusted
    ? Array.isArray(headers['x-forwarded-for'])
      ? headers['x-forwarded-for'].join(', ')
      : headers['x-forwarded-for']
    : undefined;
  out['x-forwarded-for'] = clientXff ? `${clientXff}, ${ip}` : ip;
  const proto = ctx.trusted ? first(headers['x-forwarded-proto']) : undefined;
  out['x-forwarded-proto'] = proto && /^https?$/.test(proto) ? proto : ctx.encrypted ? 'https' : 'http';
  const fwdHost = ctx.trusted ? first(headers['x-forwarded-host']) : undefined;
  const host = fwdHost ?? headers.host;
  if (host && /^[A-Za-z0-9.:[\]-]+$/.test(host)) out['x-forwarded-host'] = host;
  if (ctx.upgrade) {
    out.connection = 'Upgrade';
    out.upgrade = first(headers.upgrade) ?? 'websocket';
  }
  return out;
}

/** Set-Cookie lines an upstream may send: those naming a Gatehouse cookie are dropped (and told to `guard`). */
export function allowedSetCookies(lines: readonly string[], guard: CookieGuard): string[] {
  return lines.filter((line) => {
    const own = ownSetCookie(line, guard.owns);
    if (own !== null) guard.refused(own);
    return own === null;
  });
}

/**
 * Response headers from upstream, minus hop-by-hop ones and, with a `guard` (routes without
 * `passCookies`), minus Set-Cookie lines naming Gatehouse's cookies.
 */
export function clientResponseHeaders(headers: IncomingHttpHeaders, guard?: CookieGuard): OutgoingHttpHeaders {
  const listed = connectionListed(headers);
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || listed.has(k)) continue;
    if (k === 'set-cookie' && guard) {
      const kept = allowedSetCookies(Array.isArray(v) ? v : [v], guard);
      if (kept.length > 0) out[k] = kept;
      continue;
    }
    out[k] = v;
  }
  return out;
}
