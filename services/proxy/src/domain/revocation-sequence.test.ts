import { RevocationSequence } from './revocation-sequence.js';

describe('RevocationSequence (noticing missed revocation events)', () => {
  it('needs nothing while every number in the sequence came as an event', () => {
    const s = new RevocationSequence(1000);
    s.loaded(3);
    s.saw(4);
    s.saw(5);
    expect(s.missed(5, 0)).toBe(false);
    expect(s.known).toBe(5);
    expect(s.missed(5, 10_000)).toBe(false);
  });

  it('attack: a publisher cut off from NATS (the event never comes) is seen once its number stays missing for the grace', () => {
    const s = new RevocationSequence(1000);
    s.loaded(3);
    s.saw(5); // 4 was published by a publisher whose link is cut
    expect(s.missed(5, 0)).toBe(false); // maybe in flight
    expect(s.missed(5, 999)).toBe(false);
    expect(s.missed(5, 1000)).toBe(true);
    s.loaded(5);
    expect(s.missed(5, 1001)).toBe(false);
  });

  it('gives an event still in flight its grace: it arriving late needs no reload', () => {
    const s = new RevocationSequence(1000);
    s.loaded(1);
    expect(s.missed(2, 0)).toBe(false);
    s.saw(2);
    expect(s.missed(2, 1500)).toBe(false);
    expect(s.known).toBe(2);
  });

  it('starts a new grace for the next missing number once the earlier ones arrived', () => {
    const s = new RevocationSequence(1000);
    s.loaded(1);
    expect(s.missed(3, 0)).toBe(false); // 2 and 3 missing
    s.saw(2);
    expect(s.missed(3, 900)).toBe(false); // 3 is the first missing now, since 900
    expect(s.missed(3, 1800)).toBe(false);
    expect(s.missed(3, 1900)).toBe(true);
  });

  it('reloads at once after a jump larger than maxGap, and after the store lost its counter', () => {
    const s = new RevocationSequence(1000, 100);
    s.loaded(10);
    expect(s.missed(111, 0)).toBe(true);
    s.loaded(111);
    expect(s.missed(2, 0)).toBe(true); // the counter went back: Redis restarted without its data
    s.loaded(2);
    s.saw(3);
    expect(s.missed(3, 0)).toBe(false);
  });
});
