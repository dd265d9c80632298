import { FakeClock } from '@gatehouse/shared/testing';
import type { AttemptRules } from '../domain/attempt-state.js';
import { BoundedFailureCounters } from './bounded-failure-counters.js';

const WINDOW = 60_000;
/** Two free failures, then a 10 s delay. */
const rules = (windowMs = WINDOW): AttemptRules => ({ windowMs, free: 2, leaseMs: 30_000, delayFor: (n) => (n > 2 ? 10_000 : 0) });
let lease = 0;
/** One attempt that fails (reserve, then fail). */
const failOnce = async (c: BoundedFailureCounters, subject: string, windowMs = WINDOW) => {
  const id = `l${lease++}`;
  await c.reserve(subject, rules(windowMs), id);
  await c.fail(subject, rules(windowMs), id);
};

describe('BoundedFailureCounters (the limiter fallback)', () => {
  it('counts failures and starts the delay after the free ones', async () => {
    const clock = new FakeClock();
    const c = new BoundedFailureCounters(clock, 10);
    for (let i = 0; i < 2; i++) await failOnce(c, 'acct:a');
    expect(await c.reserve('acct:a', rules(), 'x')).toBe(0);
    await c.fail('acct:a', rules(), 'x');
    expect(await c.reserve('acct:a', rules(), 'y')).toBe(10_000);
    expect(await c.reserve('acct:b', rules(), 'y')).toBe(0);
  });

  it('never holds more entries than its cap, whatever the number of subjects', async () => {
    const c = new BoundedFailureCounters(new FakeClock(), 50);
    for (let i = 0; i < 1_000; i++) await failOnce(c, `acct:${i}`);
    expect(c.size).toBe(50);
  });

  it('evicts the least recently changed entry that holds nobody back', async () => {
    const c = new BoundedFailureCounters(new FakeClock(), 3);
    await failOnce(c, 'ip:old');
    await failOnce(c, 'ip:mid');
    await failOnce(c, 'ip:new');
    await failOnce(c, 'ip:old'); // now the most recent
    await failOnce(c, 'ip:4th');
    // ip:mid was evicted: its next failures start from one again (no delay after two more).
    await failOnce(c, 'ip:mid');
    await failOnce(c, 'ip:mid');
    expect(await c.reserve('ip:mid', rules(), 'z')).toBe(0);
    expect(c.size).toBe(3);
  });

  it('prefers a dead entry (window and delay over) to a live one', async () => {
    const clock = new FakeClock();
    const c = new BoundedFailureCounters(clock, 2);
    await failOnce(c, 'acct:live', 10 * WINDOW);
    await failOnce(c, 'acct:dead');
    clock.advance(WINDOW);
    await failOnce(c, 'acct:new');
    // acct:live kept its count: two more failures put it in a delay.
    await failOnce(c, 'acct:live', 10 * WINDOW);
    await failOnce(c, 'acct:live', 10 * WINDOW);
    expect(await c.reserve('acct:live', rules(10 * WINDOW), 'z')).toBeGreaterThan(0);
  });

  it('attack: a flood of fresh subjects cannot flush an entry that is in its delay', async () => {
    const c = new BoundedFailureCounters(new FakeClock(), 10);
    for (let i = 0; i < 3; i++) await failOnce(c, 'acct:victim');
    for (let i = 0; i < 500; i++) await failOnce(c, `acct:spray${i}`);
    expect(await c.reserve('acct:victim', rules(), 'z')).toBe(10_000);
  });

  it('attack: a flood of fresh subjects cannot flush an entry with attempts in flight', async () => {
    const c = new BoundedFailureCounters(new FakeClock(), 10);
    expect(await c.reserve('acct:victim', rules(), 'a')).toBe(0);
    expect(await c.reserve('acct:victim', rules(), 'b')).toBe(0);
    for (let i = 0; i < 500; i++) await failOnce(c, `acct:spray${i}`);
    expect(await c.reserve('acct:victim', rules(), 'c')).toBe(1_000);
  });

  it('fails closed when every entry is holding someone back: a new subject waits until the first hold ends', async () => {
    const clock = new FakeClock();
    const c = new BoundedFailureCounters(clock, 2);
    for (let i = 0; i < 3; i++) await failOnce(c, 'ip:a');
    clock.advance(1_000);
    for (let i = 0; i < 3; i++) await failOnce(c, 'ip:b');
    expect(await c.reserve('ip:new', rules(), 'n')).toBe(9_000);
    // Its failures cannot be recorded, and it stays refused: a full table is never "unlimited".
    await c.fail('ip:new', rules(), 'n');
    expect(c.size).toBe(2);
    expect(await c.reserve('ip:new', rules(), 'n')).toBe(9_000);

    clock.advance(9_000);
    expect(await c.reserve('ip:new', rules(), 'n')).toBe(0);
    expect(c.size).toBe(2);
  });

  it('frees a slot of a full table when an entry is cleared (successful login)', async () => {
    const c = new BoundedFailureCounters(new FakeClock(), 1);
    for (let i = 0; i < 3; i++) await failOnce(c, 'acct:a');
    expect(await c.reserve('acct:b', rules(), 'b')).toBeGreaterThan(0);
    await c.clear('acct:a');
    expect(await c.reserve('acct:b', rules(), 'b')).toBe(0);
  });

  it('starts a new window once the old one is over, keeping a running delay', async () => {
    const clock = new FakeClock();
    const c = new BoundedFailureCounters(clock, 5);
    for (let i = 0; i < 2; i++) await failOnce(c, 'acct:a');
    clock.advance(WINDOW);
    await failOnce(c, 'acct:a');
    expect(await c.reserve('acct:a', rules(), 'z')).toBe(0);
  });
});
