import { GatehouseError } from '@gatehouse/shared/errors';
import type { Route } from '../routes/routes-file.js';

/** `path` is `base` followed by a slash and possibly more (no string built per route and request). */
const below = (path: string, base: string): boolean => path.charCodeAt(base.length) === 47 && path.startsWith(base);

function pathMatches(route: Route, path: string): boolean {
  if (route.match === 'exact') return path === route.path || (path.length === route.path.length + 1 && below(path, route.path));
  if (route.path === '/') return true;
  return path === route.path || below(path, route.path);
}

const GET_OR_HEAD = ['HEAD', 'GET'];

/**
 * The most specific route for a canonical path and method: exact paths before prefixes, longer
 * prefixes before shorter. A path that matches only with other methods gives 405; none gives 404.
 */
export function matchRoute(routes: readonly Route[], method: string, path: string): Route {
  let best: Route | undefined;
  let pathOnly = false;
  const m = method === 'HEAD' ? GET_OR_HEAD : [method];
  for (const r of routes) {
    if (!pathMatches(r, path)) continue;
    if (r.methods && !m.some((x) => r.methods!.has(x))) {
      pathOnly = true;
      continue;
    }
    if (!best || rank(r) > rank(best)) best = r;
  }
  if (best) return best;
  throw new GatehouseError(pathOnly ? 'METHOD_NOT_ALLOWED' : 'ROUTE_NOT_FOUND');
}

function rank(r: Route): number {
  return r.path.length * 2 + (r.match === 'exact' ? 1 : 0);
}
