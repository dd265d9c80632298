import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Runs `fn` and settles no sooner than `minMs` after the start, whether it succeeds or fails,
 * so response time does not reveal which branch ran (unknown e-mail vs wrong password).
 * Uses the real monotonic clock: padding is about wall time, not the injectable domain clock.
 */
export async function stall<T>(minMs: number, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const pad = async () => {
    const left = minMs - (performance.now() - started);
    if (left > 0) await sleep(left);
  };
  try {
    const out = await fn();
    await pad();
    return out;
  } catch (err) {
    await pad();
    throw err;
  }
}
