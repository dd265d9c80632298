/**
 * The two-sample Kolmogorov–Smirnov test: D is the largest distance between the two samples'
 * empirical distribution functions; p is the probability of a D at least this large if both
 * samples come from one distribution (Smirnov's asymptotic distribution with Stephens' small-sample
 * correction, as in Numerical Recipes' `kstwo`; accurate for the thousands of samples used here).
 * It reacts to any difference in shape (a shift, a second mode, a longer tail), not only to the
 * medians, which is what a timing oracle would exploit.
 */
export function ksTwoSample(a: readonly number[], b: readonly number[]): { d: number; p: number } {
  if (a.length === 0 || b.length === 0) throw new Error('both samples need values');
  const x = [...a].sort((u, v) => u - v);
  const y = [...b].sort((u, v) => u - v);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const en = Math.sqrt((x.length * y.length) / (x.length + y.length));
  return { d, p: kolmogorovQ((en + 0.12 + 0.11 / en) * d) };
}

/** Q_KS(λ) = 2 Σ (−1)^(k−1) e^(−2k²λ²), the Kolmogorov distribution's upper tail. */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 1e-3) return 1;
  let sum = 0;
  let sign = 1;
  for (let k = 1; k <= 100; k++) {
    const term = sign * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
    sign = -sign;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** The q-quantile (0..1) of a sample, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((u, v) => u - v);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
