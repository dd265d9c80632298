import { MemoryBus, MemoryStore, createLogger, createTokenClient, type GatehouseError } from '@gatehouse/shared';
import { FakeClock, MemoryUserDirectory } from '@gatehouse/shared/testing';
import { createApp } from './app.js';
import { loadConfig } from './config.js';

describe('auth-bearer on the in-memory store and bus (all-in-one runtime)', () => {
  it('opens, rotates and detects reuse with the memory store as with Redis', async () => {
    const clock = new FakeClock(Date.now());
    const store = new MemoryStore(clock);
    const bus = new MemoryBus();
    const config = loadConfig({
      GATEHOUSE_SECRET: 's'.repeat(40),
      AUTH_BEARER_HTTP_ADDR: '127.0.0.1:0',
      AUTH_BEARER_GRPC_ADDR: '127.0.0.1:0',
      AUTH_BEARER_DEBUG_ADDR: '127.0.0.1:0',
      SESSION_REFRESH_GRACE_PERIOD: '0',
    });
    const users = new MemoryUserDirectory();
    users.add({ id: 'u1' });
    const app = createApp(config, {
      store,
      bus,
      clock,
      logger: createLogger({ service: 't', level: 'silent' }),
      userDirectory: users,
    });
    const ports = await app.start();
    const client = createTokenClient(`127.0.0.1:${ports.grpc}`);
    try {
      const set = await client.OpenSession({ principal: { user_id: 'u1' }, client_id: 'web', amr: ['pwd'] });
      const [a, c] = await Promise.allSettled([
        client.RefreshSession({ refresh_token: set.refresh_token }),
        client.RefreshSession({ refresh_token: set.refresh_token }),
      ]);
      // Grace disabled: exactly one parallel refresh wins, the other is reuse and ends the session.
      const codes = [a, c].map((r) => (r.status === 'fulfilled' ? 'OK' : (r.reason as GatehouseError).code)).sort();
      expect(codes).toEqual(['INVALID_TOKEN', 'OK']);
      await expect(client.GetSession({ session_id: set.session_id })).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    } finally {
      client.close();
      await app.stop();
      await store.close();
      await bus.close();
    }
  });

  it('lists every configuration problem at once', () => {
    expect(() =>
      loadConfig({
        GATEHOUSE_SECRET: 'short',
        AUTH_BEARER_SIGNING_ALG: 'HS256',
        AUTH_BEARER_SERVICE_ACCOUNTS: '[{"client_id":"x","secret_sha256":"nothex"}]',
      }),
    ).toThrow(/GATEHOUSE_SECRET[\s\S]*AUTH_BEARER_SIGNING_ALG[\s\S]*AUTH_BEARER_SERVICE_ACCOUNTS/);
  });
});
