import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { NatsBus, REVOCATION_KEYS, RedisStore, SUBJECTS } from '@gatehouse/shared';
import { eventually, startNats, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import {
  mintToken,
  quietLogger,
  startAuthBackends,
  startJwks,
  startProxy,
  startUpstream,
  wsText,
  type AuthBackends,
  type ProxyUnderTest,
  type Upstream,
} from './harness.js';

type Jwks = Awaited<ReturnType<typeof startJwks>>;

/**
 * An open WebSocket through the proxy (/api is a websocket route) and when it closed. A cookie
 * upgrade comes from a same-origin page, as a browser says (the CSRF rule, issue 10 item 5).
 */
async function openWs(p: ProxyUnderTest, token: string | { cookie: string }): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const headers = typeof token === 'string' ? { authorization: `Bearer ${token}` } : { ...token, 'sec-fetch-site': 'same-origin' };
  const ws = new WebSocket(`ws://127.0.0.1:${p.http}/api/ws`, { headers });
  const closed = new Promise<number>((resolve) => ws.on('close', () => resolve(Date.now())));
  const reply = await new Promise<string>((resolve, reject) => {
    ws.on('open', () => ws.send('ping'));
    ws.once('message', (m) => resolve(wsText(m)));
    ws.on('error', reject);
  });
  expect(reply).toBe('echo:ping');
  return { ws, closed };
}

/** Milliseconds from `since` until the socket closed; Infinity when it is still open after 5 s. */
function closedAfter(closed: Promise<number>, since: number): Promise<number> {
  const t = new Promise<number>((resolve) => setTimeout(() => resolve(Number.POSITIVE_INFINITY), 5000).unref());
  return Promise.race([closed.then((at) => at - since), t]);
}

/** A refused upgrade's status and error code. */
function refusedUpgrade(p: ProxyUnderTest, token: string | { cookie: string }): Promise<[number, string]> {
  return new Promise((resolve, reject) => {
    const headers = typeof token === 'string' ? { authorization: `Bearer ${token}` } : { ...token, 'sec-fetch-site': 'same-origin' };
    const ws = new WebSocket(`ws://127.0.0.1:${p.http}/api/ws`, { headers });
    ws.on('open', () => reject(new Error('upgraded')));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        const code = (JSON.parse(body) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code;
        resolve([res.statusCode ?? 0, code]);
      });
    });
    ws.on('error', () => undefined);
  });
}

describe('issue 10 item 10: upgraded WebSockets end with their credential (real Redis and NATS)', () => {
  let redis: SpawnedServer;
  let nats: SpawnedServer;
  let jwks: Jwks;
  let upstream: Upstream;
  const stores: RedisStore[] = [];
  const buses: NatsBus[] = [];
  const proxies: ProxyUnderTest[] = [];
  let publisher: NatsBus;
  let writer: RedisStore;
  let backends: AuthBackends;

  const proxy = async (env: Record<string, string> = {}, withBackends = false) => {
    const store = new RedisStore({ url: redis.url });
    await store.ready(5000);
    stores.push(store);
    const bus = await NatsBus.connect({ url: nats.url, logger: quietLogger });
    buses.push(bus);
    const p = await startProxy({ jwksUrl: jwks.url, upstream: upstream.url, store, bus, env, ...(withBackends ? { backends } : {}) });
    proxies.push(p);
    return p;
  };

  beforeAll(async () => {
    [redis, nats, jwks, upstream, backends] = await Promise.all([
      startRedis(),
      startNats(),
      startJwks(),
      startUpstream(),
      startAuthBackends(),
    ]);
    publisher = await NatsBus.connect({ url: nats.url, logger: quietLogger });
    buses.push(publisher);
    writer = new RedisStore({ url: redis.url });
    await writer.ready(5000);
    stores.push(writer);
  });
  afterAll(async () => {
    for (const p of proxies) await p.stop();
    for (const b of buses) await b.close().catch(() => undefined);
    for (const s of stores) await s.close().catch(() => undefined);
    await upstream.close();
    await backends.stop();
    await jwks.close();
    await nats.stop().catch(() => undefined);
    await redis.stop();
  });

  const now = () => Date.now();
  it.each([
    [
      'session',
      (id: string) => ({ sid: id }),
      (id: string) => [SUBJECTS.revokedSession, { id: randomUUID(), at: now(), sid: id, user_id: 'ws-user', exp: now() + 60_000 }] as const,
    ],
    [
      'user',
      () => ({ iatSec: Math.floor(now() / 1000) - 10 }),
      (id: string) =>
        [SUBJECTS.revokedUser, { id: randomUUID(), at: now(), user_id: id, not_before: now() - 5000, exp: now() + 60_000 }] as const,
    ],
    [
      'app token',
      (id: string) => ({ claims: { token_id: id } }),
      (id: string) =>
        [SUBJECTS.revokedAppToken, { id: randomUUID(), at: now(), token_id: id, user_id: 'ws-user', exp: now() + 60_000 }] as const,
    ],
  ])(
    'revoked %s over an open WebSocket: the revocation event closes the socket at once; a new upgrade gets 401 INVALID_TOKEN',
    async (kind, claims, event) => {
      const p = await proxy();
      const id = `ws-${randomUUID()}`;
      const token = await mintToken(jwks.key, { sub: kind === 'user' ? id : 'ws-user', ...claims(id) });
      const other = await openWs(p, await mintToken(jwks.key, { sub: 'bystander', sid: `other-${id}` }));
      const { closed } = await openWs(p, token);
      const [subject, payload] = event(id);
      const revokedAt = Date.now();
      await publisher.publish(subject, payload);
      await publisher.flush();
      expect(await closedAfter(closed, revokedAt)).toBeLessThan(1000);
      expect(await refusedUpgrade(p, token)).toEqual([401, 'INVALID_TOKEN']);
      // Only the revoked credential's socket ends.
      expect(other.ws.readyState).toBe(WebSocket.OPEN);
      other.ws.close();
    },
  );

  it('revoked browser session over an open WebSocket (session cookie): closed at the event; a new upgrade gets 401 INVALID_CREDENTIALS', async () => {
    const p = await proxy({}, true);
    const cookie = { cookie: 'gatehouse_session_token=good-session-token; theme=dark' };
    const { closed } = await openWs(p, cookie);
    // The upstream never saw the session cookie (issue 10 item 1), only the other one.
    expect(upstream.last?.headers.cookie).toBe('theme=dark');
    const revokedAt = Date.now();
    await publisher.publish(SUBJECTS.revokedSession, {
      id: randomUUID(),
      at: now(),
      sid: 'sess-1',
      user_id: 'user-sess',
      exp: now() + 60_000,
    });
    await publisher.flush();
    expect(await closedAfter(closed, revokedAt)).toBeLessThan(1000);
    expect(await refusedUpgrade(p, cookie)).toEqual([401, 'INVALID_CREDENTIALS']);
  });

  it('revoked session over an open WebSocket while NATS is down: closed from Redis within the staleness bound', async () => {
    const p = await proxy({ PROXY_REVOCATION_MAX_STALENESS: '300ms', PROXY_REVOCATION_STORE_CACHE_TTL: '100ms' });
    const sid = `ws-${randomUUID()}`;
    const token = await mintToken(jwks.key, { sid });
    const { closed } = await openWs(p, token);
    const other = await openWs(p, await mintToken(jwks.key, { sid: `other-${sid}` }));
    await nats.kill();
    await eventually(async () => buses.every((b) => b.disconnectedSince() !== null), 3000);
    // The revocation reaches only Redis (the bus is down).
    const revokedAt = Date.now();
    await writer.zAdd(REVOCATION_KEYS.sessions, sid, Date.now() + 60_000);
    // Staleness (300 ms) + store snapshot (100 ms) + one sweep (100 ms), with slack for a busy machine.
    expect(await closedAfter(closed, revokedAt)).toBeLessThan(1500);
    expect(await refusedUpgrade(p, token)).toEqual([401, 'INVALID_TOKEN']);
    expect(other.ws.readyState).toBe(WebSocket.OPEN);
    other.ws.close();
  });
});
