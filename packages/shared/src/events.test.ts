import { MemoryBus } from './bus/memory-bus.js';
import { MemoryStore } from './store/memory-store.js';
import { FakeClock } from './testing/fake-clock.js';
import {
  REVOCATION_KEYS,
  REVOCATION_SEQUENCE_KEY,
  SUBJECTS,
  announceRevocation,
  parseEvent,
  publishEvent,
  rememberRevocation,
  subscribeEvent,
} from './events.js';

describe('event contracts', () => {
  const env = { id: 'e-1', at: 1 };

  it('types a payload by its subject', () => {
    const e = parseEvent(SUBJECTS.revokedSession, { ...env, sid: 's', user_id: 'u', exp: 5 });
    expect(e).toEqual({ subject: 'gatehouse.revoked.session', payload: { ...env, sid: 's', user_id: 'u', exp: 5 } });
    expect(parseEvent(SUBJECTS.userChanged, { ...env, user_id: 'u', reason: 'deleted' })?.subject).toBe('gatehouse.user.changed');
    expect(parseEvent(SUBJECTS.keysRotated, { ...env, kid: 'k' })?.subject).toBe('gatehouse.keys.rotated');
  });

  it.each([
    [
      'an API-key revocation naming key_id, a field no event declares',
      SUBJECTS.revokedApiKey,
      { ...env, key_id: 'k', user_id: 'u', exp: 5 },
    ],
    [
      'an API-key revocation whose generation is not a whole number',
      SUBJECTS.revokedApiKey,
      { ...env, token_id: 'k', user_id: 'u', exp: 5, generation: '2' },
    ],
    [
      'an API-key revocation with a negative generation',
      SUBJECTS.revokedApiKey,
      { ...env, token_id: 'k', user_id: 'u', exp: 5, generation: -1 },
    ],
    ['a session revocation without sid', SUBJECTS.revokedSession, { ...env, user_id: 'u', exp: 5 }],
    ['a user revocation whose not_before is a string', SUBJECTS.revokedUser, { ...env, user_id: 'u', not_before: 'now', exp: 5 }],
    ['a user change with a reason nobody handles', SUBJECTS.userChanged, { ...env, user_id: 'u', reason: 'renamed' }],
    ['an event without an id', SUBJECTS.keysRotated, { at: 1, kid: 'k' }],
    ['an event with an oversized id', SUBJECTS.keysRotated, { id: 'x'.repeat(201), at: 1, kid: 'k' }],
    ['a subject outside the table', 'gatehouse.revoked.everything', { ...env }],
  ])('refuses %s', (_what, subject, payload) => {
    expect(parseEvent(subject, payload)).toBeUndefined();
  });

  it("reads an API-key revocation's generation, and its absence as every generation", () => {
    const one = parseEvent(SUBJECTS.revokedApiKey, { ...env, token_id: 'k', user_id: 'u', exp: 5, generation: 3 });
    expect(one?.subject === 'gatehouse.revoked.apikey' && one.payload.generation).toBe(3);
    const all = parseEvent(SUBJECTS.revokedApiKey, { ...env, token_id: 'k', user_id: 'u', exp: 5 });
    expect(all?.subject === 'gatehouse.revoked.apikey' && all.payload.generation).toBeUndefined();
  });

  it('keeps extra fields (audit details) without requiring them', () => {
    const e = parseEvent(SUBJECTS.audit, { ...env, action: 'a', actor: 'b', subject: 'c', service: 'auth-app' });
    expect(e?.payload).toMatchObject({ service: 'auth-app' });
  });

  it('publishes with a fresh id and the injected clock time', async () => {
    const bus = new MemoryBus();
    const got: unknown[] = [];
    bus.subscribe('gatehouse.>', (p, s) => void got.push(parseEvent(s, p)));
    const clock = new FakeClock(1_700_000_000_000);
    const sent = await publishEvent(bus, clock, SUBJECTS.revokedUser, { user_id: 'u', not_before: 3, exp: 9 });
    const again = await publishEvent(bus, clock, SUBJECTS.revokedUser, { user_id: 'u', not_before: 3, exp: 9 });
    await bus.flush();
    expect(sent.at).toBe(1_700_000_000_000);
    expect(sent.id).not.toBe(again.id);
    expect(got).toEqual([
      { subject: 'gatehouse.revoked.user', payload: sent },
      { subject: 'gatehouse.revoked.user', payload: again },
    ]);
  });

  it('hands a subscriber the typed payload and drops, with a warning, one outside the contract', async () => {
    const bus = new MemoryBus();
    const warned: string[] = [];
    const got: Array<{ user_id: string; reason: string }> = [];
    subscribeEvent(bus, SUBJECTS.userChanged, { warn: (_f, msg) => void warned.push(msg) }, (e) => void got.push(e));
    await bus.publish(SUBJECTS.userChanged, { ...env, user_id: 'u', reason: 'renamed' });
    await bus.publish(SUBJECTS.userChanged, { ...env, user_id: 'u', reason: 'deleted' });
    await bus.flush();
    expect(got).toEqual([expect.objectContaining({ user_id: 'u', reason: 'deleted' })]);
    expect(warned).toEqual(['ignoring an event outside the contract']);
  });

  it('remembers a revocation and prunes the entries already past their expiry', async () => {
    const clock = new FakeClock(10_000);
    const store = new MemoryStore(clock);
    await rememberRevocation(store, REVOCATION_KEYS.sessions, 'old', 12_000, clock.now());
    clock.advance(5_000);
    await rememberRevocation(store, REVOCATION_KEYS.sessions, 'new', 30_000, clock.now());
    expect(await store.zRangeByScore(REVOCATION_KEYS.sessions, 0, Number.POSITIVE_INFINITY)).toEqual([{ member: 'new', score: 30_000 }]);
    await store.close();
  });

  it('announces a revocation on its list first, then as an event; a failed publish is logged, never thrown', async () => {
    const clock = new FakeClock(50_000);
    const store = new MemoryStore(clock);
    const bus = new MemoryBus();
    const got: unknown[] = [];
    bus.subscribe('gatehouse.revoked.*', (p, s) => void got.push(parseEvent(s, p)?.payload));
    const warned: string[] = [];
    const logger = { warn: (_f: object, msg: string) => void warned.push(msg) };
    const r = {
      list: REVOCATION_KEYS.sessions,
      member: 's-1',
      retentionMs: 1_000,
      subject: SUBJECTS.revokedSession,
      fields: { sid: 's-1', user_id: 'u' },
    };
    await announceRevocation({ store, bus, clock, logger }, r);
    await bus.flush();
    expect(await store.zRangeByScore(REVOCATION_KEYS.sessions, 0, Infinity)).toEqual([{ member: 's-1', score: 51_000 }]);
    expect(got).toEqual([expect.objectContaining({ sid: 's-1', user_id: 'u', exp: 51_000, at: 50_000, seq: 1 })]);
    bus.publish = () => Promise.reject(new Error('nats down'));
    await announceRevocation({ store, bus, clock, logger }, { ...r, member: 's-2', fields: { sid: 's-2', user_id: 'u' } });
    expect(warned).toHaveLength(1);
    expect((await store.zRangeByScore(REVOCATION_KEYS.sessions, 0, Infinity)).map((m) => m.member)).toEqual(['s-1', 's-2']);
    // The unpublished revocation still moved the sequence: a proxy polling it sees that it missed one.
    expect(await store.get(REVOCATION_SEQUENCE_KEY)).toBe('2');
    await store.close();
  });
});
