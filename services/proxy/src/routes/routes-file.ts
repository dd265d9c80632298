import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError, parseDuration } from '@gatehouse/shared';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const routeSchema = z
  .object({
    /** Matches this path and everything below it (segment boundary). */
    prefix: z
      .string()
      .regex(/^\/[^?#;\\]*$/)
      .optional(),
    /** Matches only this exact path. */
    path: z
      .string()
      .regex(/^\/[^?#;\\]*$/)
      .optional(),
    methods: z.array(z.enum(METHODS)).nonempty().optional(),
    /** A name from `upstreams` / the service endpoints, or an http(s) URL. */
    upstream: z.string().min(1),
    public: z.boolean().default(false),
    /** Every listed scope is required (403 insufficient_scope). */
    scopes: z.array(z.string().min(1)).default([]),
    /** Any one of the listed roles is required (403). */
    roles: z.array(z.string().min(1)).default([]),
    /** Time for the upstream to answer with headers (e.g. 30s). */
    timeout: z.string().optional(),
    /** Forward the client's Authorization header (owners of tokens, e.g. /auth/logout). */
    passAuthorization: z.boolean().default(false),
    /**
     * Gatehouse's own cookies (session, refresh, SSO state, the built-in IdP's; packages/shared/src/http/cookie-names.ts)
     * pass both ways: the upstream receives them and may set them. Only for Gatehouse's own services.
     */
    passCookies: z.boolean().default(false),
    websocket: z.boolean().default(false),
    name: z.string().optional(),
  })
  .refine((r) => (r.prefix === undefined) !== (r.path === undefined), 'set exactly one of prefix or path');

const fileSchema = z.object({
  upstreams: z.record(z.string(), z.string().url()).default({}),
  routes: z.array(routeSchema).min(1),
});

export interface Route {
  name: string;
  match: 'prefix' | 'exact';
  path: string;
  methods: ReadonlySet<string> | null;
  upstream: URL;
  upstreamName: string;
  public: boolean;
  scopes: string[];
  roles: string[];
  timeoutMs: number | undefined;
  passAuthorization: boolean;
  /** Gatehouse's cookies reach the upstream and it may set them (else both are stripped). */
  passCookies: boolean;
  websocket: boolean;
}

/** A route's `timeout` in ms, or a problem (parseDuration throws on anything but `30s`-style values). */
function timeoutOf(r: { timeout?: string | undefined }, i: number, problems: string[]): number | undefined {
  if (!r.timeout) return undefined;
  try {
    return parseDuration(r.timeout);
  } catch {
    problems.push(`routes file: route ${i}: timeout "${r.timeout}" is not a duration (e.g. 30s, 500ms)`);
    return undefined;
  }
}

/**
 * Parses the routes file. Upstream names resolve through `endpoints` (service base URLs from the
 * config) and the file's own `upstreams` map; a literal http(s) URL is accepted too. Every problem
 * (not YAML, schema, unknown upstream, bad URL or timeout) is reported at once as a ConfigError,
 * like the environment's: the service stops at start with the list, never with a stack trace.
 */
export function parseRoutes(text: string, endpoints: Record<string, string>): Route[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new ConfigError([`routes file: not YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  const raw = fileSchema.safeParse(doc);
  if (!raw.success) throw new ConfigError(raw.error.issues.map((i) => `routes file: ${i.path.join('.')}: ${i.message}`));
  const names: Record<string, string> = { ...endpoints, ...raw.data.upstreams };
  const problems: string[] = [];
  const routes = raw.data.routes.flatMap((r, i): Route[] => {
    const target = names[r.upstream] ?? (/^https?:\/\//.test(r.upstream) ? r.upstream : undefined);
    if (!target) {
      problems.push(`routes file: route ${i} names unknown upstream "${r.upstream}"`);
      return [];
    }
    let upstream: URL;
    try {
      upstream = new URL(target);
    } catch {
      problems.push(`routes file: route ${i}: upstream "${target}" is not a URL`);
      return [];
    }
    const path = (r.prefix ?? r.path)!;
    return [
      {
        name: r.name ?? `${r.upstream}:${path}`,
        match: r.prefix !== undefined ? 'prefix' : 'exact',
        path: path.length > 1 ? path.replace(/\/+$/, '') : path,
        methods: r.methods ? new Set<string>(r.methods) : null,
        upstream,
        upstreamName: r.upstream,
        public: r.public,
        scopes: r.scopes,
        roles: r.roles,
        timeoutMs: timeoutOf(r, i, problems),
        passAuthorization: r.passAuthorization,
        passCookies: r.passCookies,
        websocket: r.websocket,
      },
    ];
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return routes;
}

export function loadRoutesFile(file: string, endpoints: Record<string, string>): Route[] {
  return parseRoutes(readFileSync(file, 'utf8'), endpoints);
}
