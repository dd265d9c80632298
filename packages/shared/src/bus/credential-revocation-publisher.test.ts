import { createLogger } from '../logger.js';
import { REVOCATION_KEYS, SUBJECTS, parseEvent } from '../events.js';
import { MemoryStore } from '../store/memory-store.js';
import { FakeClock } from '../testing/fake-clock.js';
import { API_KEY_REVOCATIONS, APP_TOKEN_REVOCATIONS, CredentialRevocationPublisher } from './credential-revocation-publisher.js';
import { MemoryBus } from './memory-bus.js';

function setup() {
  const clock = new FakeClock(10_000);
  const store = new MemoryStore(clock);
  const bus = new MemoryBus();
  const got: unknown[] = [];
  bus.subscribe(SUBJECTS.revokedAll, (p, s) => void got.push(parseEvent(s, p)));
  const to = { store, bus, clock, logger: createLogger({ service: 'test', level: 'silent' }) };
  return { clock, store, bus, got, to };
}

describe('CredentialRevocationPublisher', () => {
  it("lists an API key's revoked generation as <id>:<generation> and announces it with the generation", async () => {
    const t = setup();
    await new CredentialRevocationPublisher(t.to, API_KEY_REVOCATIONS, 5_000).revoke('k-1', 'u-1', 3);
    await t.bus.flush();
    expect(await t.store.zRangeByScore(REVOCATION_KEYS.apiKeys, 0, Infinity)).toEqual([{ member: 'k-1:3', score: 15_000 }]);
    expect(t.got).toEqual([
      {
        subject: SUBJECTS.revokedApiKey,
        payload: expect.objectContaining({ token_id: 'k-1', user_id: 'u-1', exp: 15_000, generation: 3 }),
      },
    ]);
    await t.store.close();
  });

  it('revokes every generation (the bare id, no generation field) when none is given, and app tokens on their own list', async () => {
    const t = setup();
    await new CredentialRevocationPublisher(t.to, API_KEY_REVOCATIONS, 5_000).revoke('k-1', 'u-1');
    await new CredentialRevocationPublisher(t.to, APP_TOKEN_REVOCATIONS, 5_000).revoke('t-1', 'u-1');
    await t.bus.flush();
    expect((await t.store.zRangeByScore(REVOCATION_KEYS.apiKeys, 0, Infinity)).map((m) => m.member)).toEqual(['k-1']);
    expect((await t.store.zRangeByScore(REVOCATION_KEYS.appTokens, 0, Infinity)).map((m) => m.member)).toEqual(['t-1']);
    expect(t.got.map((e) => (e as { subject: string }).subject)).toEqual([SUBJECTS.revokedApiKey, SUBJECTS.revokedAppToken]);
    expect(t.got.every((e) => !('generation' in (e as { payload: object }).payload))).toBe(true);
    await t.store.close();
  });
});
