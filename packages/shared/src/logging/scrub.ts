import { pino } from 'pino';

/** What a secret is replaced with, so a redaction is visible rather than silently dropped. */
export const REDACTED = '[REDACTED]';

/** Header names (lower case) that carry credentials; blanked by the header serializer. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-gatehouse-identity',
  'x-api-key',
]);

/** Field names (compared lower-cased) that carry secrets wherever they appear in a logged plain object. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set([
  'password',
  'new_password',
  'current_password',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'session_token',
  'accesstoken',
  'refreshtoken',
  'client_secret',
  'clientsecret',
  'code_verifier',
  'secret',
  'gatehouse_secret',
  'otp',
  'apikey',
  'api_key',
  'key',
  'privatekey',
  'private_key',
  ...SECRET_HEADERS,
]);

/** How deep the scrub walks nested plain objects (records are flat or nearly so; the limit bounds the cost). */
const MAX_DEPTH = 4;
/** Longest URL path a request serializer writes. */
const MAX_PATH = 256;

type Rec = Record<string, unknown>;

const isPlain = (v: object): v is Rec => {
  const p = Object.getPrototypeOf(v) as unknown;
  return p === Object.prototype || p === null;
};

function scrubValue(key: string, v: unknown, depth: number): unknown {
  if (v === undefined || v === null) return v;
  if (SECRET_FIELDS.has(key.toLowerCase())) return REDACTED;
  if (typeof v !== 'object') return v;
  if (key === 'headers' || key === 'metadata') return serializeHeaders(v);
  if (depth >= MAX_DEPTH) return isPlain(v) || Array.isArray(v) ? '[too deep]' : v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const e: unknown = v[i];
      const s = e !== null && typeof e === 'object' && (isPlain(e) || Array.isArray(e)) ? scrubValue('', e, depth + 1) : e;
      if (s !== e) (out ??= v.slice())[i] = s;
    }
    return out ?? v;
  }
  return isPlain(v) ? scrubObject(v, depth + 1) : v;
}

/**
 * `obj` with every secret field replaced by `[REDACTED]`, walking nested plain objects and arrays.
 * Returns `obj` itself when nothing is replaced: a flat access-log record costs a loop over its
 * keys and no allocation. Class instances (errors, sockets) are left to their serializers.
 */
function scrubObject(obj: Rec, depth: number, skip?: Rec): Rec {
  let out: Rec | undefined;
  for (const key in obj) {
    if (skip && key in skip) continue;
    const v = obj[key];
    const s = scrubValue(key, v, depth);
    if (s !== v) (out ??= { ...obj })[key] = s;
  }
  return out ?? obj;
}

/** Header-like objects (plain, Map, fetch Headers, gRPC Metadata) with credential headers blanked. */
export function serializeHeaders(h: unknown): unknown {
  if (h === null || typeof h !== 'object') return h;
  const m = h as { getMap?: () => Rec; entries?: () => Iterable<[string, unknown]> };
  const src: Rec =
    typeof m.getMap === 'function'
      ? m.getMap()
      : !isPlain(h) && !Array.isArray(h) && typeof m.entries === 'function'
        ? Object.fromEntries(m.entries())
        : (h as Rec);
  const out: Rec = {};
  for (const k in src) {
    const v = src[k];
    const name = k.toLowerCase();
    out[k] =
      SECRET_HEADERS.has(name) || SECRET_FIELDS.has(name)
        ? REDACTED
        : typeof v === 'string' || typeof v === 'number'
          ? v
          : Array.isArray(v)
            ? v.map((x) => (typeof x === 'string' ? x : '[binary]'))
            : '[binary]';
  }
  return out;
}

/** The path of a URL without its query string or fragment (queries may carry tokens), bounded. */
function pathOnly(u: unknown): unknown {
  if (typeof u !== 'string') return u;
  const end = u.search(/[?#]/);
  const p = end === -1 ? u : u.slice(0, end);
  return p.length > MAX_PATH ? `${p.slice(0, MAX_PATH)}…` : p;
}

/** An HTTP request (node's or a plain description of one): known fields only. */
function serializeRequest(r: unknown): unknown {
  if (r === null || typeof r !== 'object') return r;
  const q = r as {
    method?: unknown;
    url?: unknown;
    headers?: unknown;
    id?: unknown;
    remoteAddress?: unknown;
    socket?: { remoteAddress?: unknown };
  };
  return {
    method: q.method,
    url: pathOnly(q.url),
    ...(q.id !== undefined ? { id: q.id } : {}),
    ...(q.headers !== undefined ? { headers: serializeHeaders(q.headers) } : {}),
    remoteAddress: q.socket?.remoteAddress ?? q.remoteAddress,
  };
}

/** An HTTP response: status and headers, credential headers blanked. */
function serializeResponse(r: unknown): unknown {
  if (r === null || typeof r !== 'object') return r;
  const s = r as { statusCode?: unknown; headers?: unknown; getHeaders?: () => unknown };
  const headers = typeof s.getHeaders === 'function' ? s.getHeaders() : s.headers;
  return { statusCode: s.statusCode, ...(headers !== undefined ? { headers: serializeHeaders(headers) } : {}) };
}

/** pino's error serializer, then the scrub (an error may carry a `token` property). */
function serializeError(e: unknown): unknown {
  const out = pino.stdSerializers.err(e as Error) as unknown;
  return out !== null && typeof out === 'object' ? scrubObject(out as Rec, 1) : out;
}

/** Serializers by top-level key: objects of a known shape keep only known fields. */
export const LOG_SERIALIZERS: Record<string, (v: unknown) => unknown> = {
  req: serializeRequest,
  res: serializeResponse,
  headers: serializeHeaders,
  metadata: serializeHeaders,
  err: serializeError,
};

/** pino `formatters.log`: every record, before serialisation. Keys with a serializer are left to it. */
export function scrubRecord(obj: Rec): Rec {
  return scrubObject(obj, 0, LOG_SERIALIZERS);
}

/** pino `formatters.bindings`: a child logger's fixed fields, scrubbed once when the child is made. */
export function scrubBindings(bindings: pino.Bindings): pino.Bindings {
  return scrubObject(bindings, 0, LOG_SERIALIZERS);
}
