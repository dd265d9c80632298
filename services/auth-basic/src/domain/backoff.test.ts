import { failureDelayMs } from './backoff.js';

describe('failureDelayMs', () => {
  const o = { free: 3, baseMs: 1000, maxMs: 10_000 };
  it('is free for the first attempts, then doubles, capped at the max (never infinite)', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 100, 1e9].map((n) => failureDelayMs(n, o))).toEqual([
      0, 0, 0, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ]);
  });
});
