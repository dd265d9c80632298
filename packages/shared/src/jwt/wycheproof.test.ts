import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JWK } from 'jose';
import { ASYMMETRIC_JWS_ALGORITHMS, verifyJws } from './jws.js';
import { StaticKeySource } from './key-source.js';

/**
 * Every case of Wycheproof's JSON Web Signature vectors through the signature layer, with every
 * asymmetric algorithm pinned and the group's key (public part only) as the key source.
 * The vectors live beside the repository (../shared/vectors); from dist/jwt/ that is five levels up.
 */
const VECTORS = fileURLToPath(new URL('../../../../../shared/vectors/wycheproof/json_web_signature_test.json', import.meta.url));

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

/**
 * Where Gatehouse's policy is deliberately stricter than the vectors. Each one is listed with its
 * reason and asserted below, so a change in behaviour is noticed.
 * - HMAC groups: Gatehouse tokens are never HMAC (no shared secrets between issuer and verifiers,
 *   and no HS256-with-the-public-key confusion), so HS256 is never pinned and their 'valid' vectors
 *   are refused. (This also sidesteps 367/370, which are byte-identical to the valid 357 yet marked
 *   invalid, and 372/373, 'valid' with a '?' inside a base64url segment that strict decoding refuses.)
 * - A key is bound to the one algorithm its JWK declares (RFC 8725 §3.1): the RFC 7520 vectors sign
 *   PS384 with a key declared PS256 (346, 350) and use a key declared with the unregistered alg
 *   "ES521" (347, 351), so no verification key is found for them.
 */
const STRICTER: Record<number, string> = {
  346: 'key declared PS256, token PS384',
  347: 'key declares unregistered alg ES521',
  350: 'key declared PS256, token PS384',
  351: 'key declares unregistered alg ES521',
};
const isHmacGroup = (g: Group) => (g.public ?? g.private)?.kty === 'oct';

describe('verifyJws against Wycheproof json_web_signature_test.json', () => {
  it('has the expected number of vectors', () => {
    const total = file.testGroups.reduce((n, g) => n + g.tests.length, 0);
    expect(total).toBe(file.numberOfTests);
    expect(total).toBe(401);
  });

  it('gives every vector its expected result (or the documented stricter one)', async () => {
    const outcomes: Array<{ tcId: number; expected: string; got: 'valid' | 'invalid'; why: string }> = [];
    for (const group of file.testGroups) {
      // Only the public key is ever a key source; groups with only a secret key get an empty one.
      const keys = new StaticKeySource({ keys: group.public ? [group.public] : [] });
      for (const t of group.tests) {
        let got: 'valid' | 'invalid' = 'valid';
        let why = '';
        try {
          await verifyJws(t.jws, { algorithms: ASYMMETRIC_JWS_ALGORITHMS, keys });
        } catch (err) {
          got = 'invalid';
          why = (err as { detail?: string }).detail ?? String(err);
          expect((err as { code?: string }).code).toBe('INVALID_TOKEN');
        }
        outcomes.push({ tcId: t.tcId, expected: t.result, got, why });
      }
    }
    expect(outcomes).toHaveLength(401);

    const hmacIds = new Set(file.testGroups.filter(isHmacGroup).flatMap((g) => g.tests.map((t) => t.tcId)));
    const mismatches = outcomes.filter((o) => o.got !== o.expected);
    // Every mismatch is a vector marked valid that the stricter policy refuses, never the reverse.
    expect(mismatches.filter((m) => m.expected !== 'valid')).toEqual([]);
    const unexplained = mismatches.filter((m) => !hmacIds.has(m.tcId) && !(m.tcId in STRICTER));
    expect(unexplained).toEqual([]);
    // The documented deviations are exactly these (no more, no fewer).
    expect(mismatches.filter((m) => !hmacIds.has(m.tcId)).map((m) => m.tcId)).toEqual(Object.keys(STRICTER).map(Number));
    // Every HMAC vector is refused because HS256 is not an allowed algorithm.
    for (const o of outcomes.filter((x) => hmacIds.has(x.tcId))) {
      expect(o.got).toBe('invalid');
    }
    // Every invalid vector is rejected; the rest of the valid ones are accepted.
    const invalid = outcomes.filter((o) => o.expected === 'invalid');
    expect(invalid.length).toBe(355);
    expect(invalid.every((o) => o.got === 'invalid')).toBe(true);
    const accepted = outcomes.filter((o) => o.got === 'valid');
    expect(accepted.length).toBe(32);
  });

  it('rejects HS256 even with the HMAC key at hand (the key source never yields secret keys)', async () => {
    const hmac = file.testGroups.find(isHmacGroup)!;
    const keys = new StaticKeySource({ keys: [hmac.private!] });
    await expect(verifyJws(hmac.tests[0]!.jws, { algorithms: ASYMMETRIC_JWS_ALGORITHMS, keys })).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
  });

  it.each(ASYMMETRIC_JWS_ALGORITHMS.filter((a) => a !== 'Ed25519'))('pins the algorithm: an %s-only verifier refuses every other valid vector', async (alg) => {
    for (const group of file.testGroups) {
      const keys = new StaticKeySource({ keys: group.public ? [group.public] : [] });
      for (const t of group.tests.filter((x) => x.result === 'valid')) {
        const header = JSON.parse(Buffer.from(t.jws.split('.')[0]!, 'base64url').toString('utf8')) as { alg?: string };
        if (header.alg === alg) continue;
        await expect(verifyJws(t.jws, { algorithms: [alg], keys })).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
      }
    }
  });
});
