import { MemoryBus, MemoryStore, systemClock } from '@gatehouse/shared';
import { capturedLogger, codeOf, signInAtIdp } from '@gatehouse/shared/testing';
import { CLIENT_SECRET, startHarness } from './support/harness.js';

describe('auth-apikey logging', () => {
  it('never writes a key, its digest, a state, a code or a refresh token to the log, even at trace level', async () => {
    const log = capturedLogger('auth-apikey');
    const store = new MemoryStore(systemClock);
    const h = await startHarness({ store, bus: new MemoryBus(), clock: systemClock, logger: log.logger });
    try {
      h.users.add({ id: 'u-alice', email: 'alice@example.org' });
      const alice = await h.as({ sub: 'u-alice' });
      const created = await h.client.CreateAPIKey({ name: 'ci', scopes: [], finalFrontendRedirect: '/x' }, { metadata: alice });
      const { key, uuid } = created.key!.metadata!;
      const back = await signInAtIdp(created.authorizeURL, { login: 'u-alice' });
      expect((await fetch(back, { redirect: 'manual' })).status).toBe(302);
      expect((await fetch(back, { redirect: 'manual' })).status).toBe(400);
      await h.client.ExchangeKeyForToken({ apiKey: key });
      expect(await codeOf(h.client.ExchangeKeyForToken({ apiKey: `${key.slice(0, 37)}${'Q'.repeat(43)}` }))).toBe('INVALID_CREDENTIALS');
      const id = uuid.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
      const record = await h.app.keys.get('u-alice', id);

      const text = log.text();
      expect(text).toContain('api_key.authorized'); // the audit trail is there...
      for (const secret of [
        key.slice(37),
        record.digest,
        record.grant!.refresh_token,
        back.searchParams.get('code')!,
        back.searchParams.get('state')!,
        new URL(created.authorizeURL).searchParams.get('code_challenge')!,
        CLIENT_SECRET,
      ])
        expect(text).not.toContain(secret); // ...the secrets are not
      expect(text).not.toContain('oauthcallback?');
    } finally {
      await h.stop();
      await store.close();
    }
  });
});
