/**
 * REDIS_URL in its three deployment forms:
 *  - `redis://[user:pass@]host:port[/db]` or `rediss://…`: one server (ioredis parses it);
 *  - `redis-sentinel://[user:pass@]host:port[,host:port…]/<master-name>[/db]`: the sentinels
 *    (default port 26379) of a replicated master; the credentials are the data nodes' (the
 *    sentinels' own password, if any, is REDIS_SENTINEL_PASSWORD);
 *  - `redis-cluster://[user:pass@]host:port[,host:port…]`: seed nodes of a Redis Cluster (default
 *    port 6379); the client discovers the rest from them.
 * Error messages never echo the URL: it may carry a password.
 */
export interface HostPort {
  host: string;
  port: number;
}

export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'sentinel'; sentinels: HostPort[]; masterName: string; db: number; username?: string; password?: string }
  | { kind: 'cluster'; nodes: HostPort[]; username?: string; password?: string };

export const REDIS_URL_FORMS =
  'redis://, rediss://, redis-sentinel://host:port[,host:port]/master or redis-cluster://host:port[,host:port]';

const FORM = /^(redis|rediss|redis-sentinel|redis-cluster):\/\/(?:([^@/]*)@)?([^/?#]+)(\/[^?#]*)?$/;

function hostList(raw: string, defaultPort: number): HostPort[] {
  return raw.split(',').map((entry) => {
    const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+))(?::(\d{1,5}))?$/.exec(entry.trim());
    const port = m?.[3] === undefined ? defaultPort : Number(m[3]);
    if (!m || port < 1 || port > 65_535) throw new Error(`invalid host:port in the host list (expected ${REDIS_URL_FORMS})`);
    return { host: (m[1] ?? m[2])!, port };
  });
}

function credentials(raw: string | undefined): { username?: string; password?: string } {
  if (raw === undefined || raw === '') return {};
  const i = raw.indexOf(':');
  const username = decodeURIComponent(i < 0 ? raw : raw.slice(0, i));
  const password = i < 0 ? undefined : decodeURIComponent(raw.slice(i + 1));
  return { ...(username ? { username } : {}), ...(password !== undefined ? { password } : {}) };
}

export function parseRedisUrl(url: string): RedisTarget {
  const m = FORM.exec(url.trim());
  if (!m) throw new Error(`expected ${REDIS_URL_FORMS}`);
  const [, scheme, auth, hosts, path = ''] = m;
  if (scheme === 'redis' || scheme === 'rediss') return { kind: 'single', url: url.trim() };
  const creds = credentials(auth);
  const segments = path.split('/').filter(Boolean);
  if (scheme === 'redis-cluster') {
    // A cluster has one database: a path would be silently ignored, so it is refused.
    if (segments.length > 0) throw new Error('redis-cluster:// takes no path (a cluster has only database 0)');
    return { kind: 'cluster', nodes: hostList(hosts!, 6379), ...creds };
  }
  const [masterName, db = '0'] = segments;
  if (!masterName || segments.length > 2 || !/^\d{1,2}$/.test(db)) {
    throw new Error('redis-sentinel:// needs the master name as its path: redis-sentinel://host:26379[,host:port]/<master>[/<db>]');
  }
  return { kind: 'sentinel', sentinels: hostList(hosts!, 26379), masterName: decodeURIComponent(masterName), db: Number(db), ...creds };
}
