import { closeSync, openSync, readSync } from 'node:fs';
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { parseTrustedPeers } from './net/trusted-peers.js';

export type Env = Record<string, string | undefined>;

/** Thrown at startup with every bad or missing variable listed at once. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Largest secret file `NAME_FILE` may point at: a secret is small; /dev/zero must not hang startup. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

function readSecretFile(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(MAX_SECRET_FILE_BYTES + 1);
    let len = 0;
    for (;;) {
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
      if (len > MAX_SECRET_FILE_BYTES) throw Object.assign(new Error('too large'), { code: 'EFBIG' });
    }
    return buf.subarray(0, len).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Resolves `NAME_FILE` variants: when `NAME_FILE` is set, `NAME` is read from that file
 * (trailing newline removed). Setting both is an error, so a secret is never silently shadowed.
 * With `known` (the schema's variable names), only `NAME_FILE` for a known `NAME` is resolved, and a
 * known variable that itself ends in `_FILE` (NATS_CREDS_FILE) is left alone: unrelated variables of
 * the environment (COMPOSE_FILE, SSL_CERT_FILE) must not be read or fail startup.
 */
export function resolveFileVariants(env: Env, problems: string[], known?: ReadonlySet<string>): Env {
  const out: Env = { ...env };
  for (const [key, path] of Object.entries(env)) {
    if (!key.endsWith('_FILE') || path === undefined || path === '') continue;
    const name = key.slice(0, -'_FILE'.length);
    if (known && (known.has(key) || !known.has(name))) continue;
    if (env[name] !== undefined && env[name] !== '') {
      problems.push(`${name} and ${key} are both set; set only one`);
      continue;
    }
    try {
      out[name] = readSecretFile(path).replace(/\r?\n$/, '');
    } catch (err) {
      problems.push(`${key}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return out;
}

/** The variable names of an object schema (undefined for other schemas: every `_FILE` is resolved). */
function schemaKeys(schema: z.ZodType): ReadonlySet<string> | undefined {
  const shape = (schema as { shape?: unknown }).shape;
  return typeof shape === 'object' && shape !== null ? new Set(Object.keys(shape)) : undefined;
}

/** Parses env vars against a zod object schema; empty strings count as unset. */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env): z.infer<S> {
  const problems: string[] = [];
  const known = schemaKeys(schema);
  const resolved = resolveFileVariants(env, problems, known);
  const cleaned: Env = {};
  for (const [k, v] of Object.entries(resolved)) if (v !== undefined && v !== '') cleaned[k] = v;
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = issue.path.join('.') || '(root)';
      const missing = issue.code === 'invalid_type' && issue.path.length === 1 && cleaned[name] === undefined;
      // Messages never echo the value: it may be a secret.
      problems.push(missing ? `${name}: required (set ${name} or ${name}_FILE)` : `${name}: ${issue.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return (result as { data: z.infer<S> }).data;
}

/** Reusable field parsers for env schemas. */
export const env = {
  /** A duration string (15m, 7d, 10s) or milliseconds → milliseconds. */
  duration: (def: string) =>
    z
      .string()
      .default(def)
      .transform((v, ctx) => {
        try {
          return parseDuration(v);
        } catch {
          ctx.addIssue({ code: 'custom', message: `invalid duration "${v}" (use e.g. 500ms, 30s, 15m, 7d)` });
          return z.NEVER;
        }
      }),
  bool: (def: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .default(def ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  int: (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(def),
  /** host:port */
  addr: (def: string) =>
    z
      .string()
      .refine(
        (v) => /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]*):\d{1,5}$/.test(v) && Number(v.slice(v.lastIndexOf(':') + 1)) <= 65_535,
        'expected host:port (port 0-65535)',
      )
      .default(def),
  list: (def = '') =>
    z
      .string()
      .default(def)
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
  url: () => z.string().url(),
  /** A JSON array of `item` (default `[]`): bad JSON and every bad entry are reported with the variable. */
  jsonArray: <T extends z.ZodType>(item: T) =>
    z
      .string()
      .default('[]')
      .transform((v, ctx) => {
        try {
          return JSON.parse(v) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
          return z.NEVER;
        }
      })
      .pipe(z.array(item)),
  /**
   * A trusted-peer list (net/trusted-peers.ts): comma-separated IPs, CIDRs, `loopback`,
   * `linklocal`, `uniquelocal`; `false` trusts nobody. Empty counts as unset (the default).
   */
  trustedPeers: (def: string) =>
    z
      .string()
      .default(def)
      .transform((v, ctx) => {
        try {
          return parseTrustedPeers(v);
        } catch (err) {
          ctx.addIssue({
            code: 'custom',
            message: `${(err as Error).message}; expected comma-separated IPs, CIDRs or loopback/linklocal/uniquelocal (false: trust nobody)`,
          });
          return z.NEVER;
        }
      }),
};
