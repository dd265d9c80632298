import { MemoryBus, MemoryStore, createAppTokenClient, type KeyValueStore } from '@gatehouse/shared';
import { FakeClock, capturedLogger } from '@gatehouse/shared/testing';
import { codeOf } from '@gatehouse/shared/testing';
import { startHarness } from '../test/support/harness.js';
import { call, errorCode } from '../test/support/http.js';

/** A memory store that can be told to fail, to drive the 500 path (the one that logs the error). */
function failableStore(inner: KeyValueStore): { store: KeyValueStore; fail: (on: boolean) => void } {
  let failing = false;
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) =>
        failing && prop !== 'close'
          ? Promise.reject(new Error('store unavailable'))
          : (v as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
  return { store, fail: (on) => void (failing = on) };
}

describe('auth-app logging', () => {
  it('never writes a token (or its digest) to the log, even at trace level', async () => {
    const log = capturedLogger('auth-app');
    const clock = new FakeClock(Date.now());
    const store = new MemoryStore(clock);
    const bus = new MemoryBus();
    const h = await startHarness({ store, bus, clock, logger: log.logger });
    h.users.add({ id: 'u1', email: 'u1@example.org' });
    const id = await h.identity({ sub: 'u1' });
    const created = (await call(h.base, 'POST', '/auth-app/tokens?expiry=1h', id)).body as { token: string; id: string };
    const digest = (JSON.parse((await store.get(`app:token:${created.id}`)) ?? '{}') as { digest: string }).digest;
    await h.app.tokens.authenticate('u1@example.org', created.token);
    await h.app.tokens.authenticate('u1@example.org', `${created.token.slice(0, 23)}${'x'.repeat(43)}`).catch(() => undefined);
    await call(h.base, 'DELETE', `/auth-app/tokens?token=${encodeURIComponent(created.token)}`, id);
    await bus.flush();
    await h.stop();
    await store.close();
    expect(digest).toMatch(/^[A-Za-z0-9_-]{43}$/); // HMAC-SHA-256, base64url
    expect(log.text()).toContain('app_token.create'); // the audit trail is there...
    expect(log.text()).not.toContain(created.token.slice(23)); // ...the secret is not
    expect(log.text()).not.toContain(digest);
  });

  it('never logs the URL or query of DELETE /auth-app/tokens?token=<the token itself>, whatever the outcome', async () => {
    const log = capturedLogger('auth-app');
    const clock = new FakeClock(Date.now());
    const memory = new MemoryStore(clock);
    const { store, fail } = failableStore(memory);
    const bus = new MemoryBus();
    const h = await startHarness({ store, bus, clock, logger: log.logger });
    const grpc = createAppTokenClient(h.grpcAddr);
    try {
      h.users.add({ id: 'u1', email: 'u1@example.org' });
      const id = await h.identity({ sub: 'u1' });
      const mint = async () => (await h.app.tokens.create({ user: { id: 'u1' }, expiry: '1h', label: undefined, defaultLabel: 'x' })).token;
      const [deleted, kept, failed] = [await mint(), await mint(), await mint()];
      const forged = `${kept.slice(0, 23)}${'Q'.repeat(43)}`; // a real id with a wrong secret
      const planted = [deleted, kept, failed, forged];
      const q = (t: string) => encodeURIComponent(t);

      expect((await call(h.base, 'DELETE', `/auth-app/tokens?token=${q(deleted)}`, id)).status).toBe(204);
      expect(errorCode(await call(h.base, 'DELETE', `/auth-app/tokens?token=${q(deleted)}`, id))).toBe('NOT_FOUND');
      expect(errorCode(await call(h.base, 'DELETE', `/auth-app/tokens?token=${q(forged)}&token=${q(forged)}`, id))).toBe('INVALID_PAYLOAD');
      const asName = await call(h.base, 'DELETE', `/auth-app/tokens?${q(kept)}=1`, id);
      expect(errorCode(asName)).toBe('INVALID_PAYLOAD');
      expect(asName.text).not.toContain(kept.slice(23)); // not echoed back either
      expect(errorCode(await call(h.base, 'DELETE', `/auth-app/tokens/x?token=${q(kept)}`, id))).toBe('ROUTE_NOT_FOUND');
      expect(errorCode(await call(h.base, 'DELETE', `/auth-app/tokens?token=${q(kept)}`))).toBe('UNAUTHENTICATED');
      expect(await codeOf(grpc.DeleteAppToken({ user_id: 'u1', token: deleted }))).toBe('NOT_FOUND');
      fail(true);
      expect(errorCode(await call(h.base, 'DELETE', `/auth-app/tokens?token=${q(failed)}`, id))).toBe('INTERNAL');
      fail(false);

      // The lines a URL would be in were written: one per request, the 500's error and the failed RPC.
      const records = log.records();
      expect(records.filter((r) => r.msg === 'request' && r.method === 'DELETE').map((r) => r.status)).toEqual([
        204, 404, 400, 400, 404, 401, 500,
      ]);
      expect(records.some((r) => r.msg === 'unhandled error')).toBe(true);
      expect(records.some((r) => r.msg === 'rpc failed' && r.code === 'NOT_FOUND')).toBe(true);
      const text = log.text();
      for (const t of planted) {
        expect(text).not.toContain(t.slice(23));
        expect(text).not.toContain(encodeURIComponent(t).slice(23));
      }
      expect(text).not.toContain('token=');
      expect(text).not.toContain('/auth-app/tokens?');
      expect(text).not.toContain('/auth-app/tokens/x');
    } finally {
      grpc.close();
      await h.stop();
      await memory.close();
    }
  });
});
