import { FakeClock } from '@gatehouse/shared/testing';
import { BoundedFailureCounters } from './bounded-failure-counters.js';

const WINDOW = 60_000;
/** Two free failures, then a 10 s delay. */
const delayFor = (n: number) => (n > 2 ? 10_000 : 0);

describe('BoundedFailureCounters (the limiter fallback)', () => {
  it('counts failures and starts the delay after the free ones', async () => {
    const clock = new FakeClock();
    const c = new BoundedFailureCounters(clock, 10);
    for (let i = 0; i < 2; i++) await c.recordFailure('acct:a', WINDOW, delayFor);
    expect(await c.delayEnds(['acct:a'])).toEqual([0]);
    await c.recordFailure('acct:a', WINDOW, delayFor);
    expect(await c.delayEnds(['acct:a', 'acct:b'])).toEqual([clock.now() + 10_000, 0]);
  });

  it('never holds more entries than its cap, whatever the number of subjects', async () => {
    const c = new BoundedFailureCounters(new FakeClock(), 50);
    for (let i = 0; i < 1_000; i++) await c.recordFailure(`acct:${i}`, WINDOW, delayFor);
    expect(c.size).toBe(50);
  });

  it('evicts the least recently failed entry that is not in a delay', async () => {
    const c = new BoundedFailureCounters(new FakeClock(), 3);
    await c.recordFailure('ip:old', WINDOW, delayFor);
    await c.recordFailure('ip:mid', WINDOW, delayFor);
    await c.recordFailure('ip:new', WINDOW, delayFor);
    await c.recordFailure('ip:old', WINDOW, delayFor); // now the most recent
    await c.recordFailure('ip:4th', WINDOW, delayFor);
    // ip:mid was evicted: its next failure starts from one again (no delay after two more).
    await c.recordFailure('ip:mid', WINDOW, delayFor);
    await c.recordFailure('ip:mid', WINDOW, delayFor);
    expect(await c.delayEnds(['ip:mid'])).toEqual([0]);
    expect(c.size).toBe(3);
  });

  it('prefers a dead entry (window and delay over) to a live one', async () => {
    const clock = new FakeClock();
    const c = new BoundedFailureCounters(clock, 2);
    await c.recordFailure('acct:live', 10 * WINDOW, delayFor);
    await c.recordFailure('acct:dead', WINDOW, delayFor);
    clock.advance(WINDOW);
    await c.recordFailure('acct:new', WINDOW, delayFor);
    // acct:live kept its count: two more failures put it in a delay.
    await c.recordFailure('acct:live', 10 * WINDOW, delayFor);
    await c.recordFailure('acct:live', 10 * WINDOW, delayFor);
    expect((await c.delayEnds(['acct:live']))[0]).toBeGreaterThan(clock.now());
  });

  it('attack: a flood of fresh subjects cannot flush an entry that is in its delay', async () => {
    const clock = new FakeClock();
    const c = new BoundedFailureCounters(clock, 10);
    for (let i = 0; i < 3; i++) await c.recordFailure('acct:victim', WINDOW, delayFor);
    const end = (await c.delayEnds(['acct:victim']))[0]!;
    for (let i = 0; i < 500; i++) await c.recordFailure(`acct:spray${i}`, WINDOW, delayFor);
    expect(await c.delayEnds(['acct:victim'])).toEqual([end]);
  });

  it('fails closed when every entry is in a delay: a new subject waits until the first delay ends', async () => {
    const clock = new FakeClock();
    const c = new BoundedFailureCounters(clock, 2);
    for (let i = 0; i < 3; i++) await c.recordFailure('ip:a', WINDOW, delayFor);
    clock.advance(1_000);
    for (let i = 0; i < 3; i++) await c.recordFailure('ip:b', WINDOW, delayFor);
    const firstEnd = clock.now() - 1_000 + 10_000;
    expect(await c.delayEnds(['ip:new'])).toEqual([firstEnd]);
    // Its failures cannot be recorded, and it stays refused: a full table is never "unlimited".
    await c.recordFailure('ip:new', WINDOW, delayFor);
    expect(c.size).toBe(2);
    expect(await c.delayEnds(['ip:new'])).toEqual([firstEnd]);

    clock.set(firstEnd);
    expect(await c.delayEnds(['ip:new'])).toEqual([0]);
    await c.recordFailure('ip:new', WINDOW, delayFor);
    expect(c.size).toBe(2);
  });

  it('frees a slot of a full table when an entry is cleared (successful login)', async () => {
    const clock = new FakeClock();
    const c = new BoundedFailureCounters(clock, 1);
    for (let i = 0; i < 3; i++) await c.recordFailure('acct:a', WINDOW, delayFor);
    expect((await c.delayEnds(['acct:b']))[0]).toBeGreaterThan(clock.now());
    await c.clear('acct:a');
    expect(await c.delayEnds(['acct:b'])).toEqual([0]);
  });

  it('starts a new window once the old one is over, keeping a running delay', async () => {
    const clock = new FakeClock();
    const c = new BoundedFailureCounters(clock, 5);
    for (let i = 0; i < 2; i++) await c.recordFailure('acct:a', WINDOW, delayFor);
    clock.advance(WINDOW);
    await c.recordFailure('acct:a', WINDOW, delayFor);
    expect(await c.delayEnds(['acct:a'])).toEqual([0]);
  });
});
