import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseDuration } from './duration.js';

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

/**
 * Resolves `NAME_FILE` variants: when `NAME_FILE` is set, `NAME` is read from that file
 * (trailing newline removed). Setting both is an error, so a secret is never silently shadowed.
 */
export function resolveFileVariants(env: Env, problems: string[]): Env {
  const out: Env = { ...env };
  for (const [key, path] of Object.entries(env)) {
    if (!key.endsWith('_FILE') || path === undefined || path === '') continue;
    const name = key.slice(0, -'_FILE'.length);
    if (env[name] !== undefined && env[name] !== '') {
      problems.push(`${name} and ${key} are both set; set only one`);
      continue;
    }
    try {
      out[name] = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      problems.push(`${key}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return out;
}

/** Parses env vars against a zod object schema; empty strings count as unset. */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env): z.infer<S> {
  const problems: string[] = [];
  const resolved = resolveFileVariants(env, problems);
  const cleaned: Env = {};
  for (const [k, v] of Object.entries(resolved)) if (v !== undefined && v !== '') cleaned[k] = v;
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = issue.path.join('.') || '(root)';
      problems.push(`${name}: ${issue.message}`);
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
  addr: (def: string) => z.string().regex(/^[^\s:]*:\d{1,5}$/, 'expected host:port').default(def),
  list: (def = '') =>
    z
      .string()
      .default(def)
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
  url: () => z.string().url(),
};
