/**
 * Polls `check` until it returns a truthy value and returns it; throws after `timeoutMs`. Bounded,
 * so a missed event fails the test, never hangs it.
 */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 3000, stepMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
