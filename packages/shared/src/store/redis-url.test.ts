import { z } from 'zod';
import { commonEnv } from '../config-common.js';
import { ConfigError, loadConfig } from '../config.js';
import { parseRedisUrl } from './redis-url.js';

describe('parseRedisUrl', () => {
  it('leaves redis:// and rediss:// to ioredis', () => {
    expect(parseRedisUrl('redis://:pw@cache:6380/2')).toEqual({ kind: 'single', url: 'redis://:pw@cache:6380/2' });
    expect(parseRedisUrl('rediss://cache').kind).toBe('single');
  });

  it('reads the sentinels, the master name, the database and the data nodes credentials', () => {
    expect(parseRedisUrl('redis-sentinel://app:p%40ss@s1:26380,s2,[::1]:26381/mymaster/3')).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26380 },
        { host: 's2', port: 26379 },
        { host: '::1', port: 26381 },
      ],
      masterName: 'mymaster',
      db: 3,
      username: 'app',
      password: 'p@ss',
    });
  });

  it('reads the seed nodes of a cluster', () => {
    expect(parseRedisUrl('redis-cluster://:secret@n1:7000,n2:7001,n3')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
        { host: 'n3', port: 6379 },
      ],
      password: 'secret',
    });
  });

  it.each([
    ['a sentinel URL without a master name', 'redis-sentinel://s1:26379'],
    ['a cluster URL with a database', 'redis-cluster://n1:7000/2'],
    ['a port out of range', 'redis-cluster://n1:70000'],
    ['an empty host', 'redis-cluster://n1:7000,,n2'],
    ['another scheme', 'memcached://cache:11211'],
  ])('refuses %s', (_what, url) => {
    expect(() => parseRedisUrl(url)).toThrow(/expected|needs|takes no path|invalid/);
  });

  it('never echoes the URL (it may carry a password) in configuration errors', () => {
    const schema = z.object({ REDIS_URL: commonEnv.REDIS_URL, NATS_URL: commonEnv.NATS_URL });
    let err: unknown;
    try {
      loadConfig(schema, { REDIS_URL: 'redis-sentinel://:hunter2-secret@s1:26379', NATS_URL: 'nats://a:4222,tcp://b:4222' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems.map((p) => p.split(':')[0])).toEqual(['REDIS_URL', 'NATS_URL']);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('accepts a comma-separated NATS server list', () => {
    const schema = z.object({ NATS_URL: commonEnv.NATS_URL });
    expect(loadConfig(schema, { NATS_URL: 'nats://u:p@n1:4222, nats://n2:4222,nats://n3:4222' }).NATS_URL).toContain('n3');
  });
});
