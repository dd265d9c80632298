import { createTokenClient, createUserClient, type HttpListener } from '@gatehouse/shared';
import { spawnNatsCluster, startRedis, type SpawnedNatsCluster, type SpawnedServer } from '@gatehouse/shared/testing';
import { startWhoami } from '../src/whoami/whoami-server.js';
import { waitFor } from './helpers.js';
import { allReady, freePorts, spawnService, type ServiceProcess } from './support/service-process.js';

// NATS_URL lists the three nodes of a real NATS cluster. The node the proxy is connected to dies
// while auth-bearer keeps revoking sessions: the proxy moves to another node, and every revoked
// session ends up refused (events delivered, or the store reloaded after the reconnect).
describe('revocations across a NATS cluster losing the proxy’s node', () => {
  let redis: SpawnedServer;
  let nats: SpawnedNatsCluster;
  let whoami: HttpListener;
  let procs: ServiceProcess[] = [];
  let proxy: ServiceProcess;
  let bearer: ServiceProcess;
  const password = 'a long enough password 2';

  beforeAll(async () => {
    [redis, nats] = await Promise.all([startRedis(), spawnNatsCluster()]);
    const [bp, basicPorts, pp, wp] = await Promise.all([freePorts(), freePorts(), freePorts(), freePorts()]);
    const common = {
      GATEHOUSE_SECRET: 'n'.repeat(40),
      PUBLIC_URL: `http://127.0.0.1:${pp.http}`,
      REDIS_URL: redis.url,
      NATS_URL: nats.url,
      LOG_LEVEL: 'warn',
      AUTH_BEARER_GRPC_ENDPOINT: `127.0.0.1:${bp.grpc}`,
      AUTH_BASIC_GRPC_ENDPOINT: `127.0.0.1:${basicPorts.grpc}`,
      GATEHOUSE_IDENTITY_JWKS_URL: `http://127.0.0.1:${pp.http}/.well-known/gatehouse/jwks.json`,
    };
    whoami = await startWhoami({ addr: `127.0.0.1:${wp.http}`, identityJwksUrl: common.GATEHOUSE_IDENTITY_JWKS_URL });
    bearer = await spawnService('auth-bearer', bp, common);
    const basic = await spawnService('auth-basic', basicPorts, {
      ...common,
      AUTH_BEARER_HTTP_ENDPOINT: `http://127.0.0.1:${bp.http}`,
      LOGIN_STALL_TIME: '10ms',
      BCRYPT_COST: '4',
      LOGIN_IP_FREE_ATTEMPTS: '100000',
    });
    proxy = await spawnService('proxy', pp, {
      ...common,
      AUTH_BEARER_HTTP_ENDPOINT: `http://127.0.0.1:${bp.http}`,
      AUTH_BASIC_HTTP_ENDPOINT: `http://127.0.0.1:${basicPorts.http}`,
      WHOAMI_HTTP_ENDPOINT: `http://127.0.0.1:${wp.http}`,
      PROXY_ACCESS_LOG: 'false',
    });
    procs = [bearer, basic, proxy];
    await allReady(procs, 45_000);
    const users = createUserClient(`127.0.0.1:${basicPorts.grpc}`, { deadlineMs: 5000 });
    try {
      await users.CreateUser({ email: 'grace@example.com', name: 'Grace', password, roles: ['user'], groups: [], provider: 'local' });
    } finally {
      users.close();
    }
  }, 90_000);

  afterAll(async () => {
    await Promise.all(procs.map((s) => s.stop('SIGKILL')));
    await whoami?.close(500);
    await Promise.all([redis?.stop(), nats?.stop()]);
  });

  const status = async (token: string) => {
    const res = await fetch(`${proxy.httpUrl}/whoami`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    return res.status;
  };

  it('refuses every revoked session after the node the proxy was connected to dies mid-stream', async () => {
    const sessions: Array<{ access_token: string; refresh_token: string }> = [];
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${proxy.httpUrl}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'grace@example.com', password }),
      });
      sessions.push(((await res.json()) as { data: { access_token: string; refresh_token: string } }).data);
    }
    for (const s of sessions) expect(await status(s.access_token)).toBe(200);
    const revoked = sessions.slice(0, 40);
    const kept = sessions.slice(40);

    const node = await nats.nodeOf('proxy');
    expect(node).toBeDefined();
    const tokens = createTokenClient(bearer.grpcAddr, { deadlineMs: 5000 });
    try {
      // Revocations flow, one every 5 ms without waiting for the previous; the proxy's node dies a quarter of the way through.
      const calls: Array<Promise<unknown>> = [];
      for (const [i, s] of revoked.entries()) {
        if (i === 10) void node!.kill();
        calls.push(tokens.RevokeSession({ refresh_token: s.refresh_token, reason: 'test' }));
        await new Promise((r) => setTimeout(r, 5));
      }
      expect((await Promise.all(calls)).map((r) => (r as { revoked: number }).revoked)).toEqual(revoked.map(() => 1));
    } finally {
      tokens.close();
    }
    // The proxy is on another node of the cluster now.
    const moved = await waitFor(async () => {
      const n = await nats.nodeOf('proxy');
      return n && n !== node && n;
    }, 10_000);
    expect(moved.port).not.toBe(node!.port);
    // None is missed: every revoked session is refused, soon (no waiting for a token's expiry).
    const started = Date.now();
    for (const s of revoked) await waitFor(async () => (await status(s.access_token)) === 401, 5000, 50);
    expect(Date.now() - started).toBeLessThan(5000);
    for (const s of kept) expect(await status(s.access_token)).toBe(200);
  }, 60_000);
});
