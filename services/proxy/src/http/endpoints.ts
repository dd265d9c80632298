import { z } from 'zod';

/**
 * An `*_HTTP_ENDPOINT`: one base URL, or several comma-separated instances of the same service
 * (`http://10.0.0.5:9210,http://10.0.0.6:9210`), same scheme and path. The first names the
 * upstream in routes and metrics; connections spread over all of them and skip dead ones
 * (failover-connector.ts). Behind a Kubernetes Service one URL is enough.
 */
export function endpointInstances(value: string): URL[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => new URL(s));
}

export const httpEndpoint = (def: string) =>
  z
    .string()
    .default(def)
    .superRefine((v, ctx) => {
      let urls: URL[];
      try {
        urls = endpointInstances(v);
      } catch {
        return ctx.addIssue({ code: 'custom', message: 'expected an http(s) URL, or several comma-separated' });
      }
      const first = urls[0];
      if (!first || urls.some((u) => !/^https?:$/.test(u.protocol))) {
        return ctx.addIssue({ code: 'custom', message: 'expected an http(s) URL, or several comma-separated' });
      }
      if (urls.some((u) => u.protocol !== first.protocol || u.pathname !== first.pathname)) {
        ctx.addIssue({ code: 'custom', message: 'the instances of one endpoint must share scheme and path' });
      }
    });

/** The first instance's URL as written: the name routes and the JWKS default are derived from. */
export const primaryEndpoint = (value: string): string => value.split(',')[0]!.trim();
