import { randomUUID } from 'node:crypto';
import { NatsBus, REVOCATION_KEYS, RedisStore, SUBJECTS, announceRevocation, systemClock, type EventBus } from '@gatehouse/shared';
import { eventually, startNats, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { mintToken, quietLogger, startJwks, startProxy, startUpstream, type ProxyUnderTest, type Upstream } from './harness.js';

type Jwks = Awaited<ReturnType<typeof startJwks>>;

describe('proxy revocation with real Redis and NATS', () => {
  let redis: SpawnedServer;
  let nats: SpawnedServer;
  let jwks: Jwks;
  let upstream: Upstream;
  const stores: RedisStore[] = [];
  const buses: NatsBus[] = [];
  const proxies: ProxyUnderTest[] = [];
  let publisher: NatsBus;
  let writer: RedisStore;

  const store = async () => {
    const s = new RedisStore({ url: redis.url });
    await s.ready(5000);
    stores.push(s);
    return s;
  };
  const bus = async () => {
    const b = await NatsBus.connect({ url: nats.url, logger: quietLogger });
    buses.push(b);
    return b;
  };
  const proxy = async (env: Record<string, string> = {}) => {
    const p = await startProxy({ jwksUrl: jwks.url, upstream: upstream.url, store: await store(), bus: await bus(), env });
    proxies.push(p);
    return p;
  };
  const status = async (p: ProxyUnderTest, token: string) =>
    (await fetch(`${p.url}/api/echo`, { headers: { authorization: `Bearer ${token}` } })).status;

  beforeAll(async () => {
    [redis, nats, jwks, upstream] = await Promise.all([startRedis(), startNats(), startJwks(), startUpstream()]);
    publisher = await bus();
    writer = await store();
  });
  afterAll(async () => {
    for (const p of proxies) await p.stop();
    for (const b of buses) await b.close().catch(() => undefined);
    for (const s of stores) await s.close().catch(() => undefined);
    await upstream.close();
    await jwks.close();
    await nats.stop();
    await redis.stop();
  });

  it('loads the revocation lists from Redis at start and is not ready before', async () => {
    const sid = `sid-${randomUUID()}`;
    await writer.zAdd(REVOCATION_KEYS.sessions, sid, Date.now() + 60_000);
    const p = await proxy();
    const ready = await fetch(`http://127.0.0.1:${p.debug}/readyz`);
    expect(ready.status).toBe(200);
    expect(await status(p, await mintToken(jwks.key, { sid }))).toBe(401);
    expect(await status(p, await mintToken(jwks.key, { sid: `other-${sid}` }))).toBe(200);
  });

  it('applies a session revocation on two proxy instances at once, evicting cached tokens', async () => {
    const a = await proxy();
    const b = await proxy();
    const sid = `sid-${randomUUID()}`;
    const token = await mintToken(jwks.key, { sid, sub: 'user-two' });
    expect(await status(a, token)).toBe(200);
    expect(await status(b, token)).toBe(200);
    await publisher.publish(SUBJECTS.revokedSession, {
      id: randomUUID(),
      at: Date.now(),
      sid,
      user_id: 'user-two',
      exp: Date.now() + 60_000,
    });
    await publisher.flush();
    const started = Date.now();
    await eventually(async () => (await status(a, token)) === 401 && (await status(b, token)) === 401, 2000);
    const ms = Date.now() - started;
    expect(ms).toBeLessThan(2000);
    const metrics = await (await fetch(`http://127.0.0.1:${a.debug}/metrics`)).text();
    expect(metrics).toMatch(/gatehouse_proxy_revocation_lag_seconds_count\{[^}]*\} [1-9]/);
  });

  it('refuses tokens issued before a user revocation (not_before) and accepts later ones', async () => {
    const p = await proxy();
    const old = await mintToken(jwks.key, { sub: 'user-nb', iatSec: Math.floor(Date.now() / 1000) - 10 });
    expect(await status(p, old)).toBe(200);
    await publisher.publish(SUBJECTS.revokedUser, {
      id: randomUUID(),
      at: Date.now(),
      user_id: 'user-nb',
      not_before: Date.now() - 5000,
      exp: Date.now() + 60_000,
    });
    await publisher.flush();
    await eventually(async () => (await status(p, old)) === 401, 2000);
    const fresh = await mintToken(jwks.key, { sub: 'user-nb' });
    expect(await status(p, fresh)).toBe(200);
  });

  it('refuses app tokens revoked by id (access tokens carrying the token id)', async () => {
    const p = await proxy();
    const token = await mintToken(jwks.key, { sub: 'user-app', claims: { token_id: 'apptok-1' } });
    expect(await status(p, token)).toBe(200);
    await publisher.publish(SUBJECTS.revokedAppToken, {
      id: randomUUID(),
      at: Date.now(),
      token_id: 'apptok-1',
      user_id: 'user-app',
      exp: Date.now() + 60_000,
    });
    await publisher.flush();
    await eventually(async () => (await status(p, token)) === 401, 2000);
  });

  it('refuses tokens minted from a revoked API key up to the revoked generation, at once and after a restart', async () => {
    const p = await proxy();
    const keyId = randomUUID();
    const gen1 = await mintToken(jwks.key, { sub: 'user-key', claims: { amr: ['apikey'], api_key_id: keyId, api_key_gen: 1 } });
    expect(await status(p, gen1)).toBe(200);
    // auth-apikey refreshed the key: generation 1 is void, generation 2 (minted after re-authorization) is not.
    await writer.zAdd(REVOCATION_KEYS.apiKeys, `${keyId}:1`, Date.now() + 60_000);
    await publisher.publish(SUBJECTS.revokedApiKey, {
      id: randomUUID(),
      at: Date.now(),
      token_id: keyId,
      user_id: 'user-key',
      exp: Date.now() + 60_000,
      generation: 1,
    });
    await publisher.flush();
    await eventually(async () => (await status(p, gen1)) === 401, 2000);
    const gen2 = await mintToken(jwks.key, { sub: 'user-key', claims: { amr: ['apikey'], api_key_id: keyId, api_key_gen: 2 } });
    expect(await status(p, gen2)).toBe(200);

    // A proxy that starts later loads the same state from Redis; a bare id (a deleted key) voids every generation.
    const deleted = randomUUID();
    await writer.zAdd(REVOCATION_KEYS.apiKeys, deleted, Date.now() + 60_000);
    const late = await proxy();
    expect(await status(late, gen1)).toBe(401);
    expect(await status(late, gen2)).toBe(200);
    expect(await status(late, await mintToken(jwks.key, { claims: { api_key_id: deleted, api_key_gen: 7 } }))).toBe(401);
  });

  it('refetches the JWKS at once on gatehouse.keys.rotated', async () => {
    const { testKeyPair } = await import('@gatehouse/shared/testing');
    const p = await proxy();
    expect(await status(p, await mintToken(jwks.key))).toBe(200);
    const next = await testKeyPair('ES256');
    jwks.keys.push(next.publicJwk);
    const rotated = await mintToken(next);
    // Without the event the new kid stays unknown for the refetch cooldown (30 s).
    expect(await status(p, rotated)).toBe(401);
    await publisher.publish(SUBJECTS.keysRotated, { id: randomUUID(), at: Date.now(), kid: next.kid });
    await publisher.flush();
    await eventually(async () => (await status(p, await mintToken(next))) === 200, 2000);
  });

  it('falls back to Redis within the staleness bound while NATS is down, then resyncs after reconnect', async () => {
    const strict = await proxy({ PROXY_REVOCATION_MAX_STALENESS: '300ms', PROXY_REVOCATION_STORE_CACHE_TTL: '100ms' });
    const lax = await proxy({ PROXY_REVOCATION_MAX_STALENESS: '10m' });
    const sid1 = `sid-${randomUUID()}`;
    const sid2 = `sid-${randomUUID()}`;
    const t1 = await mintToken(jwks.key, { sid: sid1 });
    const t2 = await mintToken(jwks.key, { sid: sid2 });
    expect(await status(strict, t1)).toBe(200);
    expect(await status(lax, t2)).toBe(200);

    await nats.kill();
    await eventually(async () => buses.every((b) => b.disconnectedSince() !== null), 3000);
    // The revocation reaches only Redis (the bus is down).
    const revokedAt = Date.now();
    await writer.zAdd(REVOCATION_KEYS.sessions, sid1, Date.now() + 60_000);
    await writer.zAdd(REVOCATION_KEYS.sessions, sid2, Date.now() + 60_000);
    await eventually(async () => (await status(strict, t1)) === 401, 2000);
    // Refused within the staleness bound (300 ms) plus the store cache (100 ms) and polling.
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    // Within its (long) bound the other instance still serves its in-memory state...
    expect(await status(lax, t2)).toBe(200);

    // ...until NATS is back: the reconnect reloads the lists from Redis.
    nats = await startNats({ port: nats.port });
    await eventually(async () => (await status(lax, t2)) === 401, 5000);
    expect(await status(strict, t1)).toBe(401);
  });
  it('attack: a revocation whose event never came (only the publisher cut off from NATS) is refused within PROXY_REVOCATION_MAX_STALENESS', async () => {
    const maxStalenessMs = 900;
    const p = await proxy({ PROXY_REVOCATION_MAX_STALENESS: `${maxStalenessMs}ms` });
    const sid = `sid-${randomUUID()}`;
    const session = await mintToken(jwks.key, { sid, sub: 'user-cut' });
    const jti = `jti-${randomUUID()}`;
    const minted = await mintToken(jwks.key, { sub: 'user-cut', jti });
    expect(await status(p, session)).toBe(200);
    expect(await status(p, minted)).toBe(200);
    // The publisher writes to Redis but its NATS link is cut: the events are never delivered.
    const cut = { publish: () => Promise.reject(new Error('nats link cut')) } as unknown as EventBus;
    const to = { store: writer, bus: cut, clock: systemClock, logger: quietLogger };
    const started = Date.now();
    await announceRevocation(to, {
      list: REVOCATION_KEYS.sessions,
      member: sid,
      retentionMs: 60_000,
      subject: SUBJECTS.revokedSession,
      fields: { sid, user_id: 'user-cut' },
    });
    await announceRevocation(to, {
      list: REVOCATION_KEYS.accessTokens,
      member: jti,
      retentionMs: 60_000,
      subject: SUBJECTS.revokedAccessToken,
      fields: { token_id: jti, user_id: 'user-cut' },
    });
    await eventually(async () => (await status(p, session)) === 401 && (await status(p, minted)) === 401, maxStalenessMs + 500);
    expect(Date.now() - started).toBeLessThan(maxStalenessMs + 500);
  });
});
