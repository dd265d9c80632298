import { z } from 'zod';

/** The origin (scheme://host[:port], lowercase, default port dropped) of an absolute URL, or undefined. */
export function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return u.origin;
  } catch {
    return undefined;
  }
}

/**
 * GATEHOUSE_ALLOWED_ORIGINS: comma-separated origins (`https://app.example`, no path) besides
 * PUBLIC_URL's whose pages may make cookie-authenticated state changes. Anything that is not a bare
 * http(s) origin is refused at start.
 */
export const allowedOriginsEnv = z
  .string()
  .default('')
  .transform((v, ctx) => {
    const out: string[] = [];
    for (const raw of v.split(',').map((s) => s.trim())) {
      if (raw === '') continue;
      const origin = originOf(raw);
      if (origin === undefined || origin !== raw.replace(/\/$/, '').toLowerCase()) {
        ctx.addIssue({
          code: 'custom',
          message: `"${raw.slice(0, 100)}" is not an origin (expected e.g. https://app.example:8443, no path)`,
        });
        return z.NEVER;
      }
      out.push(origin);
    }
    return out;
  });

/** The origins whose pages may use Gatehouse's cookies for state changes: PUBLIC_URL's and the listed ones. */
export interface OriginPolicy {
  readonly origins: ReadonlySet<string>;
}

export function originPolicyFrom(c: { PUBLIC_URL: string; GATEHOUSE_ALLOWED_ORIGINS?: readonly string[] | undefined }): OriginPolicy {
  const own = originOf(c.PUBLIC_URL);
  return { origins: new Set([...(own ? [own] : []), ...(c.GATEHOUSE_ALLOWED_ORIGINS ?? [])]) };
}
