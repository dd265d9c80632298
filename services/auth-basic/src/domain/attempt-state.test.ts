import { fail, isIdle, normalize, parseState, reserve, type AttemptRules } from './attempt-state.js';

const rules: AttemptRules = { windowMs: 60_000, free: 3, leaseMs: 30_000, delayFor: (n) => (n > 3 ? 2_000 * 2 ** (n - 4) : 0) };

describe('attempt state', () => {
  it('lets attempts run side by side only while they would all be free failures', () => {
    let s = reserve(undefined, 0, rules, 'a').state;
    s = reserve(s, 0, rules, 'b').state;
    s = reserve(s, 0, rules, 'c').state;
    expect(reserve(s, 0, rules, 'd').waitMs).toBe(1_000);
    s = fail(fail(fail(s, 0, rules, 'a'), 0, rules, 'b'), 0, rules, 'c');
    // Alone, the 4th attempt may run (as in a sequence) and its failure starts the delay.
    const r4 = reserve(s, 0, rules, 'd');
    expect(r4.waitMs).toBe(0);
    expect(reserve(r4.state, 0, rules, 'e').waitMs).toBe(1_000);
    s = fail(r4.state, 0, rules, 'd');
    expect(reserve(s, 0, rules, 'e').waitMs).toBe(2_000);
    expect(reserve(s, 2_000, rules, 'e').waitMs).toBe(0);
  });

  it('ends a crashed attempt with its lease, and the count with its window', () => {
    const s = reserve(undefined, 0, rules, 'a').state;
    expect(isIdle(s, 29_999)).toBe(false);
    expect(isIdle(s, 30_000)).toBe(true);
    const f = fail(undefined, 0, rules, 'x');
    expect(normalize(f, 59_999).f).toBe(1);
    expect(normalize(f, 60_000).f).toBe(0);
  });

  it('reads a malformed stored value as a temporary refusal, never as "no limit"', () => {
    expect(reserve(parseState('{not json', 0, 60_000), 0, rules, 'a').waitMs).toBe(60_000);
  });
});
