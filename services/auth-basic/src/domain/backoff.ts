/**
 * Growing delay after repeated failures: none for the first `free` failures, then `base`,
 * doubling with every further failure, capped at `max`. No permanent lockout: the delay is
 * always finite, so the legitimate user gets in after it.
 */
export function failureDelayMs(failures: number, opts: { free: number; baseMs: number; maxMs: number }): number {
  const over = failures - opts.free;
  if (over <= 0) return 0;
  const exp = Math.min(over - 1, 40);
  return Math.min(opts.maxMs, opts.baseMs * 2 ** exp);
}
