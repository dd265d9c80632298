import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JWK } from 'jose';
import { ASYMMETRIC_JWS_ALGORITHMS, verifyJws } from './jws.js';
import { StaticKeySource } from './key-source.js';

/**
 * Every case of Wycheproof's JSON Web Signature vectors through the signature layer, with every
 * asymmetric algorithm pinned and the group's key (public part only) as the key source.
 *
 * Tally (asserted below; update both together):
 *   401 vectors: 46 valid, 355 invalid, 0 acceptable.
 *   Accepted: 32 of the 46 valid vectors.
 *   Rejected: 355 of the 355 invalid vectors (every one, with INVALID_TOKEN).
 *   Deliberate deviations: 14 valid vectors refused, never the reverse:
 *     1, 348, 352, 357, 358, 359, 376, 377  HMAC (HS256): never an allowed algorithm
 *     372, 373                              HMAC, and refused earlier: a '?' inside a base64url segment
 *     346, 350                              key declared PS256, token signed PS384 (one key, one alg)
 *     347, 351                              key declares the unregistered alg "ES521", token ES512
 *
 * The vectors are a fixture in this package (test/vectors/wycheproof, with their licence and
 * source); tests run from dist/jwt/, so the package root is two levels up.
 */
const VECTORS = fileURLToPath(new URL('../../test/vectors/wycheproof/json_web_signature_test.json', import.meta.url));

interface Vector {
  tcId: number;
  comment: string;
  jws: string;
  result: 'valid' | 'invalid' | 'acceptable';
  flags: string[];
}
interface Group {
  comment: string;
  public?: JWK;
  private?: JWK;
  tests: Vector[];
}
const file = JSON.parse(readFileSync(VECTORS, 'utf8')) as { numberOfTests: number; testGroups: Group[] };

const HMAC =
  'HMAC: Gatehouse tokens are never HMAC (no secret shared between issuer and verifiers, no HS256-with-the-public-key confusion), so HS256 is never pinned';
const STRICT_B64 = 'HMAC, and strict base64url (RFC 7515 §2) refuses the inserted character before the algorithm is even read';
const ONE_ALG = 'a key verifies only the algorithm its JWK declares (RFC 8725 §3.1)';

/**
 * Where Gatehouse's policy is deliberately stricter than the vectors: every one by tcId, with its
 * reason and the rejection detail that proves the reason (so a deviation for another cause fails).
 * (367 and 370 are byte-identical to the valid 357 yet marked invalid; refusing HS256 settles both.)
 */
const DEVIATIONS: Record<number, { reason: string; detail: RegExp }> = {
  1: { reason: HMAC, detail: /^algorithm HS256 is not allowed$/ },
  348: { reason: `${HMAC} (RFC 7520 figure 35)`, detail: /^algorithm HS256 is not allowed$/ },
  352: { reason: `${HMAC} (RFC 7520 figure 35)`, detail: /^algorithm HS256 is not allowed$/ },
  357: { reason: HMAC, detail: /^algorithm HS256 is not allowed$/ },
  358: { reason: HMAC, detail: /^algorithm HS256 is not allowed$/ },
  359: { reason: HMAC, detail: /^algorithm HS256 is not allowed$/ },
  376: { reason: `${HMAC} (spaces in the JSON header are otherwise fine)`, detail: /^algorithm HS256 is not allowed$/ },
  377: { reason: `${HMAC} (white space in the JSON header is otherwise fine)`, detail: /^algorithm HS256 is not allowed$/ },
  372: { reason: STRICT_B64, detail: /^header is not base64url$/ },
  373: { reason: STRICT_B64, detail: /^payload is not base64url$/ },
  346: { reason: `${ONE_ALG}: RFC 7520 figure 20 signs PS384 with a key declared PS256`, detail: /^no key for kid .* \/ PS384$/ },
  350: {
    reason: `${ONE_ALG}: RFC 7520 figure 20 (key_ops variant) signs PS384 with a key declared PS256`,
    detail: /^no key for kid .* \/ PS384$/,
  },
  347: { reason: `${ONE_ALG}: RFC 7520 figure 27's key declares the unregistered alg "ES521"`, detail: /^no key for kid .* \/ ES512$/ },
  351: {
    reason: `${ONE_ALG}: RFC 7520 figure 27 (key_ops variant) declares the unregistered alg "ES521"`,
    detail: /^no key for kid .* \/ ES512$/,
  },
};
const isHmacGroup = (g: Group) => (g.public ?? g.private)?.kty === 'oct';

interface Outcome {
  tcId: number;
  expected: Vector['result'];
  got: 'valid' | 'invalid';
  code?: string;
  detail?: string;
}

/** Runs every vector once; the tests below assert on the outcomes. */
async function runAll(): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const group of file.testGroups) {
    // Only the public key is ever a key source; groups with only a secret key get an empty one.
    const keys = new StaticKeySource({ keys: group.public ? [group.public] : [] });
    for (const t of group.tests) {
      try {
        await verifyJws(t.jws, { algorithms: ASYMMETRIC_JWS_ALGORITHMS, keys });
        outcomes.push({ tcId: t.tcId, expected: t.result, got: 'valid' });
      } catch (err) {
        const e = err as { code?: string; detail?: string };
        outcomes.push({ tcId: t.tcId, expected: t.result, got: 'invalid', code: e.code, detail: e.detail ?? String(err) });
      }
    }
  }
  return outcomes;
}

describe('verifyJws against Wycheproof json_web_signature_test.json', () => {
  let outcomes: Outcome[];
  beforeAll(async () => {
    outcomes = await runAll();
  });

  it('has the expected number of vectors', () => {
    const total = file.testGroups.reduce((n, g) => n + g.tests.length, 0);
    expect(total).toBe(file.numberOfTests);
    expect(total).toBe(401);
  });

  it('matches the tally in the header: 32/46 valid accepted, 355/355 invalid rejected, 14 deviations', () => {
    expect(outcomes).toHaveLength(401);
    const count = (f: (o: Outcome) => boolean) => outcomes.filter(f).length;
    expect({
      valid: count((o) => o.expected === 'valid'),
      invalid: count((o) => o.expected === 'invalid'),
      acceptable: count((o) => o.expected === 'acceptable'),
      acceptedValid: count((o) => o.expected === 'valid' && o.got === 'valid'),
      rejectedInvalid: count((o) => o.expected === 'invalid' && o.got === 'invalid'),
      deviations: count((o) => o.got !== o.expected),
    }).toEqual({ valid: 46, invalid: 355, acceptable: 0, acceptedValid: 32, rejectedInvalid: 355, deviations: 14 });
    // Every refusal is INVALID_TOKEN (never a crash, never another code).
    expect(outcomes.filter((o) => o.got === 'invalid' && o.code !== 'INVALID_TOKEN')).toEqual([]);
  });

  it('deviates exactly where documented, each for its documented reason, and only towards refusing', () => {
    const mismatches = outcomes.filter((o) => o.got !== o.expected);
    // Only vectors marked valid are ever refused; no invalid vector is ever accepted.
    expect(mismatches.filter((m) => m.expected !== 'valid')).toEqual([]);
    // The deviations are exactly the listed tcIds, no more, no fewer.
    expect(mismatches.map((m) => m.tcId).sort((a, b) => a - b)).toEqual(
      Object.keys(DEVIATIONS)
        .map(Number)
        .sort((a, b) => a - b),
    );
    for (const m of mismatches) {
      const d = DEVIATIONS[m.tcId]!;
      expect(d.reason).toBeTruthy();
      expect({ tcId: m.tcId, detail: m.detail }).toEqual({ tcId: m.tcId, detail: expect.stringMatching(d.detail) });
    }
    // Every vector of an HMAC group is refused, valid or not.
    const hmacIds = new Set(file.testGroups.filter(isHmacGroup).flatMap((g) => g.tests.map((t) => t.tcId)));
    expect(outcomes.filter((o) => hmacIds.has(o.tcId) && o.got !== 'invalid')).toEqual([]);
  });

  it('rejects HS256 even with the HMAC key at hand (the key source never yields secret keys)', async () => {
    const hmac = file.testGroups.find(isHmacGroup)!;
    const keys = new StaticKeySource({ keys: [hmac.private!] });
    await expect(verifyJws(hmac.tests[0]!.jws, { algorithms: ASYMMETRIC_JWS_ALGORITHMS, keys })).rejects.toMatchObject({
      code: 'INVALID_TOKEN',
    });
  });

  it.each(ASYMMETRIC_JWS_ALGORITHMS.filter((a) => a !== 'Ed25519'))(
    'pins the algorithm: an %s-only verifier refuses every other valid vector',
    async (alg) => {
      for (const group of file.testGroups) {
        const keys = new StaticKeySource({ keys: group.public ? [group.public] : [] });
        for (const t of group.tests.filter((x) => x.result === 'valid')) {
          const header = JSON.parse(Buffer.from(t.jws.split('.')[0]!, 'base64url').toString('utf8')) as { alg?: string };
          if (header.alg === alg) continue;
          await expect(verifyJws(t.jws, { algorithms: [alg], keys })).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
        }
      }
    },
  );
});
