import { GatehouseError, MemoryBus, MemoryStore, SUBJECTS, createLogger } from '@gatehouse/shared';
import { FakeClock } from '@gatehouse/shared/testing';
import { REVOCATION_OUTBOX_KEY, RevocationOutbox } from './revocation-outbox.js';

function setup() {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const store = new MemoryStore(clock);
  const bus = new MemoryBus();
  const events: Array<Record<string, unknown>> = [];
  bus.subscribe(SUBJECTS.userChanged, (p) => void events.push(p));
  const calls: Array<{ userId: string; reason: string; changeId: string }> = [];
  let bearerUp = true;
  const outbox = new RevocationOutbox(
    {
      store,
      bus,
      clock,
      logger: createLogger({ service: 'outbox-test', level: 'silent' }),
      revokeUser: (userId, reason, changeId) => {
        calls.push({ userId, reason, changeId });
        return bearerUp ? Promise.resolve() : Promise.reject(new GatehouseError('SERVICE_UNAVAILABLE'));
      },
    },
    { minDelayMs: 1000, maxDelayMs: 8000 },
  );
  const pending = async () => (await store.zRangeByScore(REVOCATION_OUTBOX_KEY, 0, Infinity)).map((m) => m.score - clock.now());
  return { clock, store, bus, events, calls, outbox, pending, setBearer: (up: boolean) => (bearerUp = up) };
}

describe('RevocationOutbox (user revocations delivered durably)', () => {
  it('delivers at once (event + RevokeUser with the same change id) and keeps nothing when both succeed', async () => {
    const t = setup();
    await t.outbox.deliver('u1', 'disabled');
    await t.bus.flush();
    expect(t.calls).toEqual([{ userId: 'u1', reason: 'disabled', changeId: expect.any(String) }]);
    expect(t.events).toEqual([expect.objectContaining({ id: t.calls[0]!.changeId, user_id: 'u1', reason: 'disabled' })]);
    expect(await t.pending()).toEqual([]);
  });

  it('attack: the disable lands while auth-bearer is down and the event is lost — retried with a growing delay until delivered', async () => {
    const t = setup();
    t.setBearer(false);
    t.bus.publish = () => Promise.reject(new Error('nats down'));
    await t.outbox.deliver('u1', 'deleted');
    expect(await t.pending()).toEqual([1000]);
    // Not due yet: nothing retried.
    await t.outbox.drain();
    expect(t.calls).toHaveLength(1);
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      t.clock.advance((await t.pending())[0]!);
      await t.outbox.drain();
      delays.push((await t.pending())[0]!);
    }
    expect(t.calls).toHaveLength(6);
    expect(delays).toEqual([1000, 2000, 4000, 8000, 8000]); // about doubling (the entry's age), capped
    // Every attempt names the same change: auth-bearer acts on it once.
    expect(new Set(t.calls.map((c) => c.changeId)).size).toBe(1);
    t.setBearer(true);
    t.bus.publish = MemoryBus.prototype.publish.bind(t.bus);
    t.clock.advance(8000);
    await t.outbox.drain();
    await t.bus.flush();
    expect(await t.pending()).toEqual([]);
    expect(t.events).toEqual([expect.objectContaining({ id: t.calls[0]!.changeId, at: Date.UTC(2026, 0, 1), reason: 'deleted' })]);
  });

  it('retries when only the event failed, and when only RevokeUser failed', async () => {
    const t = setup();
    t.bus.publish = () => Promise.reject(new Error('nats down'));
    await t.outbox.deliver('u1', 'suspended');
    expect(t.calls).toHaveLength(1); // RevokeUser was called all the same
    expect(await t.pending()).toHaveLength(1);
    t.bus.publish = MemoryBus.prototype.publish.bind(t.bus);
    t.clock.advance(1000);
    await t.outbox.drain();
    expect(await t.pending()).toEqual([]);
  });

  it('drops an entry that is not one of its own (never a crash loop)', async () => {
    const t = setup();
    await t.store.zAdd(REVOCATION_OUTBOX_KEY, '{"not":"an entry"}', 0);
    await t.outbox.drain();
    expect(await t.pending()).toEqual([]);
    expect(t.calls).toEqual([]);
  });
});
