import { kolmogorovQ, ksTwoSample, quantile } from './ks-test.js';

/** A deterministic pseudo-random sample (mulberry32), so the test never depends on luck. */
function sample(n: number, seed: number, f: (u: number) => number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return f(((t ^ (t >>> 14)) >>> 0) / 4294967296);
  });
}
// A skewed, bell-ish jitter around `mean` (an exact shape does not matter: both samples share it).
const jitter = (mean: number, sd: number) => (u: number) =>
  mean + sd * Math.sqrt(-2 * Math.log(Math.max(u, 1e-12))) * Math.cos(2 * Math.PI * ((u * 7919) % 1));

describe('two-sample Kolmogorov–Smirnov', () => {
  it('matches the Kolmogorov distribution at its tabulated points', () => {
    expect(kolmogorovQ(1.36)).toBeCloseTo(0.0494, 3);
    expect(kolmogorovQ(1.63)).toBeCloseTo(0.0098, 3);
    expect(kolmogorovQ(1.95)).toBeCloseTo(0.001, 3);
    expect(kolmogorovQ(0)).toBe(1);
  });

  it('computes D by hand for small samples', () => {
    expect(ksTwoSample([1, 2, 3], [1, 2, 3]).d).toBe(0);
    expect(ksTwoSample([1, 2, 3], [4, 5, 6]).d).toBe(1);
    expect(ksTwoSample([1, 2, 3, 4], [3, 4, 5, 6]).d).toBe(0.5);
  });

  it('does not tell apart two samples of one distribution (1,000 each)', () => {
    const r = ksTwoSample(sample(1000, 1, jitter(500, 5)), sample(1000, 2, jitter(500, 5)));
    expect(r.p).toBeGreaterThan(0.001);
  });

  it('tells apart a 2 ms shift hidden in 5 ms of jitter (1,000 each): the power the timing test relies on', () => {
    const r = ksTwoSample(sample(1000, 3, jitter(500, 5)), sample(1000, 4, jitter(502, 5)));
    expect(r.p).toBeLessThan(0.001);
  });

  it('tells apart a long tail in 10 % of one sample, same median', () => {
    const tailed = sample(1000, 5, jitter(500, 5)).map((v, i) => (i % 10 === 0 ? v + 40 : v));
    expect(ksTwoSample(sample(1000, 6, jitter(500, 5)), tailed).p).toBeLessThan(0.001);
  });

  it('answers nearest-rank quantiles', () => {
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(quantile([5, 1, 4, 2, 3], 0.99)).toBe(5);
  });
});
