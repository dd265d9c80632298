import { Writable } from 'node:stream';
import { createLogger, MemoryBus, RedisStore } from '@gatehouse/shared';
import { eventually, freePort, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { mintToken, startJwks, startProxy, startUpstream, type ProxyUnderTest, type Upstream } from './harness.js';

type Jwks = Awaited<ReturnType<typeof startJwks>>;

describe('proxy readiness while Redis is down at startup', () => {
  let jwks: Jwks;
  let upstream: Upstream;
  let redis: SpawnedServer | undefined;
  let store: RedisStore;
  let proxy: ProxyUnderTest;
  const lines: string[] = [];

  beforeAll(async () => {
    jwks = await startJwks();
    upstream = await startUpstream();
  });
  afterAll(async () => {
    await proxy.stop();
    await store.close();
    await redis?.stop();
    await upstream.close();
    await jwks.close();
  });

  it('is not ready and fails closed (503 + Retry-After) until Redis is up and the revocation lists are loaded, then serves', async () => {
    // A port nobody listens on yet; Redis starts there only later.
    const port = await freePort();
    store = new RedisStore({ url: `redis://127.0.0.1:${port}` });
    const logger = createLogger({
      service: 'proxy',
      level: 'info',
      destination: new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }),
    });
    // start() does not hang on the missing store: it returns and keeps retrying in the background.
    proxy = await startProxy({ jwksUrl: jwks.url, upstream: upstream.url, store, bus: new MemoryBus(), logger });
    const readyz = () => fetch(`http://127.0.0.1:${proxy.debug}/readyz`);
    const token = await mintToken(jwks.key, { sub: 'early-user' });
    const protectedCall = () => fetch(`${proxy.url}/api/echo`, { headers: { authorization: `Bearer ${token}` } });

    const notReady = await readyz();
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ status: 'not ready', checks: { revocation: expect.any(String) as unknown } });

    upstream.last = undefined;
    const refused = await protectedCall();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ errors: [{ extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
    // Fail closed: the upstream never saw the request.
    expect(upstream.last).toBeUndefined();

    // A public route still answers, but anonymously: revocation state unknown means no identity.
    const anonymous = await fetch(`${proxy.url}/public/echo`, { headers: { authorization: `Bearer ${token}` } });
    expect(anonymous.status).toBe(200);
    expect(((await anonymous.json()) as { headers: Record<string, string> }).headers['x-gatehouse-identity']).toBeUndefined();

    redis = await startRedis(port);
    await eventually(async () => (await readyz()).status === 200, 10_000);
    expect(lines.some((l) => l.includes('revocation lists loaded'))).toBe(true);
    const served = await protectedCall();
    expect(served.status).toBe(200);
    expect(((await served.json()) as { headers: Record<string, string> }).headers['x-user-id']).toBe('early-user');
  }, 20_000);
});
