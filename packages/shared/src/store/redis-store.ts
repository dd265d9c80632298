import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis, type ChainableCommander, type RedisOptions } from 'ioredis';
import { GatehouseError } from '../errors.js';
import { parseRedisUrl } from './redis-url.js';
import type { KeyValueStore, ScoredMember, SetOptions } from './store.js';

export interface RedisStoreOptions {
  /** redis://, rediss://, redis-sentinel:// or redis-cluster:// (see redis-url.ts). */
  url: string;
  /** Password of the sentinels themselves (redis-sentinel:// only), when they require one. */
  sentinelPassword?: string | undefined;
  /** Prefix of every key (default `gh:`), so Gatehouse can share a Redis database. */
  keyPrefix?: string;
  /** Per-command timeout on request paths (default 500 ms): an outage fails fast. */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
}

// Compare-and-set in one round trip. ARGV: expected ('' + flag), new value, ttl.
const CAS_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if cur then return 0 end
else
  if (not cur) or cur ~= ARGV[2] then return 0 end
end
if ARGV[3] == '1' then
  redis.call('DEL', KEYS[1])
elseif tonumber(ARGV[5]) > 0 then
  redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
else
  redis.call('SET', KEYS[1], ARGV[4])
end
return 1`;

/** EXEC reports per-command errors in its result instead of rejecting: surface the first one. */
async function execMulti(m: ChainableCommander): Promise<unknown[]> {
  const res = await m.exec();
  if (res === null) throw new Error('redis transaction aborted');
  for (const [err] of res) if (err) throw err;
  return res.map(([, v]) => v);
}

const reconnectDelay = (times: number) => Math.min(times * 100, 2000);

/**
 * Redis-backed store: one server, a Sentinel-managed master or a Cluster, chosen by the URL. The
 * offline queue is disabled and every command has a short timeout: when Redis is down, callers get
 * SERVICE_UNAVAILABLE at once rather than a hang.
 */
export class RedisStore implements KeyValueStore {
  readonly kind = 'redis' as const;
  readonly client: Redis | Cluster;
  /** Prefix of every key: Cluster hash slots are computed on the prefixed key. */
  private readonly keyPrefix: string;
  private closed = false;

  constructor(opts: RedisStoreOptions) {
    this.keyPrefix = opts.keyPrefix ?? 'gh:';
    const options: RedisOptions = {
      keyPrefix: this.keyPrefix,
      commandTimeout: opts.commandTimeoutMs ?? 500,
      connectTimeout: opts.connectTimeoutMs ?? 2000,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: false,
      retryStrategy: reconnectDelay,
      // ioredis otherwise arms a 2 s timer on a dead connection's close that keeps the process alive.
      disconnectTimeout: 200,
    };
    const target = parseRedisUrl(opts.url);
    if (target.kind === 'single') {
      this.client = new Redis(target.url, options);
    } else if (target.kind === 'sentinel') {
      this.client = new Redis({
        ...options,
        sentinels: target.sentinels,
        name: target.masterName,
        db: target.db,
        username: target.username,
        password: target.password,
        sentinelPassword: opts.sentinelPassword,
        sentinelRetryStrategy: reconnectDelay,
        sentinelReconnectStrategy: reconnectDelay,
        // Listens for +switch-master, so a failover moves the connection at once instead of at the
        // next command that fails on the demoted master.
        failoverDetector: true,
      });
    } else {
      const { keyPrefix, enableOfflineQueue, retryStrategy: _perNode, ...nodeOptions } = options;
      this.client = new Cluster(target.nodes, {
        keyPrefix,
        enableOfflineQueue,
        clusterRetryStrategy: reconnectDelay,
        slotsRefreshTimeout: options.connectTimeout,
        redisOptions: { ...nodeOptions, username: target.username, password: target.password },
      });
    }
    // Errors surface per command; the connection's own error events are reconnect noise.
    this.client.on('error', () => undefined);
    if (!(this.client instanceof Cluster)) {
      // ioredis ends a client for good when its connector gives up mid-connect: with Sentinel, a
      // failover announced (+switch-master) while the client is asking a sentinel for the master
      // closes that attempt, and the client goes to `end` instead of retrying. Start it again.
      const client = this.client;
      client.on('end', () => {
        if (this.closed) return;
        setTimeout(() => {
          if (!this.closed && client.status === 'end') client.connect().catch(() => undefined);
        }, reconnectDelay(1)).unref();
      });
    }
  }

  /**
   * Groups key positions by Cluster hash slot (one group on a single server). Keys that must change
   * together share a hash tag (`{…}`), so they land in one group and the command stays atomic;
   * across groups a multi-key command is one command per slot, which the callers accept.
   */
  private bySlot(keys: readonly string[]): number[][] {
    if (!(this.client instanceof Cluster)) return [keys.map((_, i) => i)];
    const groups = new Map<number, number[]>();
    keys.forEach((k, i) => {
      const slot = calculateSlot(this.keyPrefix + k);
      groups.set(slot, [...(groups.get(slot) ?? []), i]);
    });
    return [...groups.values()];
  }

  /**
   * Resolves once connected, or rejects with SERVICE_UNAVAILABLE after `timeoutMs` (a Redis that is
   * down at startup must not hang the service) or at once when the client was closed.
   */
  async ready(timeoutMs = 5000): Promise<void> {
    if (this.client.status === 'ready') return;
    const unavailable = (why: string) => new GatehouseError('SERVICE_UNAVAILABLE', { detail: `redis not ready: ${why}`, retryAfter: 1 });
    if (this.closed || this.client.status === 'end') throw unavailable('client closed');
    await new Promise<void>((resolve, reject) => {
      let lastError = 'no connection yet';
      const t = setTimeout(() => {
        cleanup();
        reject(unavailable(`${lastError} (waited ${timeoutMs} ms)`));
      }, timeoutMs);
      const onReady = () => {
        cleanup();
        resolve();
      };
      const onError = (err: Error) => {
        lastError = err.message;
      };
      const onEnd = () => {
        cleanup();
        reject(unavailable('client closed'));
      };
      const cleanup = () => {
        clearTimeout(t);
        this.client.off('ready', onReady);
        this.client.off('error', onError);
        this.client.off('end', onEnd);
      };
      this.client.on('ready', onReady);
      this.client.on('error', onError);
      this.client.on('end', onEnd);
    });
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      // Programming errors surface as they are (a CROSSSLOT means a key lacks its hash tag).
      if (err instanceof Error && /WRONGTYPE|ERR syntax|NOSCRIPT|CROSSSLOT/.test(err.message)) throw err;
      throw new GatehouseError('SERVICE_UNAVAILABLE', { detail: `redis: ${(err as Error).message}`, retryAfter: 1, cause: err });
    }
  }

  get(key: string) {
    return this.run(() => this.client.get(key));
  }

  mget(keys: readonly string[]) {
    if (keys.length === 0) return Promise.resolve([]);
    return this.run(async () => {
      const out: Array<string | null> = new Array<string | null>(keys.length).fill(null);
      await Promise.all(
        this.bySlot(keys).map(async (group) => {
          const values = await this.client.mget(...group.map((i) => keys[i]!));
          group.forEach((i, j) => (out[i] = values[j] ?? null));
        }),
      );
      return out;
    });
  }

  set(key: string, value: string, opts: SetOptions = {}) {
    return this.run(async () => {
      const args: Array<string | number> = [];
      if (opts.ttlMs !== undefined) args.push('PX', Math.max(1, Math.ceil(opts.ttlMs)));
      if (opts.onlyIfAbsent) args.push('NX');
      const res = await (this.client.set as unknown as (...a: Array<string | number>) => Promise<string | null>)(key, value, ...args);
      return res === 'OK';
    });
  }

  take(key: string) {
    return this.run(() => this.client.getdel(key));
  }

  del(...keys: string[]) {
    if (keys.length === 0) return Promise.resolve(0);
    return this.run(async () => {
      const counts = await Promise.all(this.bySlot(keys).map((group) => this.client.del(...group.map((i) => keys[i]!))));
      return counts.reduce((a, b) => a + b, 0);
    });
  }

  incr(key: string, ttlMs?: number) {
    return this.run(async () => {
      if (ttlMs === undefined) return this.client.incr(key);
      // Create-with-TTL and increment in one MULTI: a crash in between can never leave a counter
      // (a lockout) without expiry.
      const res = await execMulti(
        this.client
          .multi()
          .set(key, '0', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')
          .incr(key),
      );
      return Number(res[1]);
    });
  }

  ttl(key: string) {
    return this.run(() => this.client.pttl(key));
  }

  expire(key: string, ttlMs: number) {
    return this.run(async () => (await this.client.pexpire(key, Math.max(1, Math.ceil(ttlMs)))) === 1);
  }

  compareAndSet(key: string, expected: string | null, value: string | null, opts: { ttlMs?: number } = {}) {
    return this.run(async () => {
      const res = await this.client.eval(
        CAS_SCRIPT,
        1,
        key,
        expected === null ? '1' : '0',
        expected ?? '',
        value === null ? '1' : '0',
        value ?? '',
        String(opts.ttlMs !== undefined ? Math.max(1, Math.ceil(opts.ttlMs)) : 0),
      );
      return res === 1;
    });
  }

  setAdd(key: string, members: readonly string[], ttlMs?: number) {
    return this.run(async () => {
      if (members.length === 0) return;
      const m = this.client.multi().sadd(key, ...members);
      if (ttlMs !== undefined) m.pexpire(key, Math.max(1, Math.ceil(ttlMs)));
      await execMulti(m);
    });
  }

  setRemove(key: string, members: readonly string[]) {
    return this.run(async () => {
      if (members.length > 0) await this.client.srem(key, ...members);
    });
  }

  setMembers(key: string) {
    return this.run(() => this.client.smembers(key));
  }

  hashSet(key: string, fields: Record<string, string>, ttlMs?: number) {
    return this.run(async () => {
      const m = this.client.multi().hset(key, fields);
      if (ttlMs !== undefined) m.pexpire(key, Math.max(1, Math.ceil(ttlMs)));
      await execMulti(m);
    });
  }

  hashGetAll(key: string) {
    return this.run(() => this.client.hgetall(key));
  }

  hashDel(key: string, fields: readonly string[]) {
    return this.run(async () => {
      if (fields.length > 0) await this.client.hdel(key, ...fields);
    });
  }

  zAdd(key: string, member: string, score: number) {
    return this.run(async () => {
      await this.client.zadd(key, score, member);
    });
  }

  zRangeByScore(key: string, min: number, max: number) {
    return this.run(async () => {
      const flat = await this.client.zrangebyscore(key, min, max, 'WITHSCORES');
      const out: ScoredMember[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) out.push({ member: flat[i]!, score: Number(flat[i + 1]) });
      return out;
    });
  }

  zRemRangeByScore(key: string, min: number, max: number) {
    return this.run(() => this.client.zremrangebyscore(key, min, max));
  }

  zRemove(key: string, members: readonly string[]) {
    return this.run(async () => {
      if (members.length > 0) await this.client.zrem(key, ...members);
    });
  }

  ping() {
    return this.run(async () => {
      await this.client.ping();
    });
  }

  /**
   * Closes the connection and stops reconnecting (QUIT only when connected; otherwise it cannot be
   * sent with the offline queue off, and disconnect() is what cancels the reconnect timer).
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.client.status === 'end') return;
    if (this.client.status !== 'ready') {
      this.client.disconnect();
      return;
    }
    try {
      await this.client.quit();
    } catch {
      // disconnect() below ends it anyway
    }
    // QUIT ends the main connection only: the sentinel subscriptions of the failover detector are
    // closed by disconnect() alone (else they reconnect forever and the process never exits).
    this.client.disconnect();
  }
}
