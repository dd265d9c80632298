import { MemoryBus, MemoryStore, createLogger } from '@gatehouse/shared';
import { FakeClock } from '@gatehouse/shared/testing';
import { Writable } from 'node:stream';
import { startHarness } from '../test/support/harness.js';
import { call } from '../test/support/http.js';

describe('auth-app logging', () => {
  it('never writes a token (or its digest) to the log, even at trace level', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const clock = new FakeClock(Date.now());
    const store = new MemoryStore(clock);
    const bus = new MemoryBus();
    const h = await startHarness({ store, bus, clock, logger: createLogger({ service: 'auth-app', level: 'trace', destination }) });
    h.users.add({ id: 'u1', email: 'u1@example.org' });
    const id = await h.identity({ sub: 'u1' });
    const created = (await call(h.base, 'POST', '/auth-app/tokens?expiry=1h', id)).body as { token: string; id: string };
    await h.app.tokens.authenticate('u1@example.org', created.token);
    await h.app.tokens.authenticate('u1@example.org', `${created.token.slice(0, 23)}${'x'.repeat(43)}`).catch(() => undefined);
    await call(h.base, 'DELETE', `/auth-app/tokens?token=${encodeURIComponent(created.token)}`, id);
    await bus.flush();
    await h.stop();
    await store.close();
    const log = lines.join('');
    expect(log).toContain('app_token.create'); // the audit trail is there...
    expect(log).not.toContain(created.token.slice(23)); // ...the secret is not
    const digest = JSON.parse((await store.get(`app:token:${created.id}`)) ?? '{}') as { digest?: string };
    expect(digest.digest).toBeUndefined(); // deleted
  });
});
