import fc from 'fast-check';

/**
 * fast-check parameters for Gatehouse's fuzz properties. On failure fast-check's error names the
 * counterexample with its `seed` and `path`; `FUZZ_SEED=<seed> FUZZ_PATH=<path>` replays exactly
 * that case, `FUZZ_RUNS` changes how many inputs are tried (default `numRuns`). Async runs get a
 * per-run `timeout`, so a hang fails the property instead of the whole suite.
 */
export function fuzzParameters<T>(numRuns = 500, timeoutMs = 2000): fc.Parameters<T> {
  const seed = process.env.FUZZ_SEED;
  const path = process.env.FUZZ_PATH;
  return {
    numRuns: process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : numRuns,
    timeout: timeoutMs,
    ...(seed ? { seed: Number(seed) } : {}),
    ...(path ? { path } : {}),
    verbose: 1,
  };
}

/** Strings that look like what attackers send: HTTP-ish characters, encodings, controls and Unicode. */
export const hostileString = (maxLength = 200): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc
      .array(
        fc.constantFrom(
          '/',
          '\\',
          '.',
          '..',
          '%',
          '%2e',
          '%2f',
          '%5c',
          '%00',
          '%25',
          ';',
          ':',
          '@',
          '?',
          '#',
          '&',
          '=',
          '+',
          '-',
          '_',
          ' ',
          '\t',
          '\r',
          '\n',
          '\0',
          '"',
          "'",
          '<',
          '>',
          'a',
          'Z',
          '9',
          '~',
          '\u00e9',
          '\u2028',
          '\ufeff',
          '\ud800',
          'http:',
          '//',
          'javascript:',
          'Bearer',
          'Basic',
          'eyJ',
          '==',
        ),
        { maxLength: Math.ceil(maxLength / 3) },
      )
      .map((parts) => parts.join('')),
  );
