import fc from 'fast-check';
import { SignJWT } from 'jose';
import { GatehouseError } from '../errors.js';
import { FakeClock } from '../testing/fake-clock.js';
import { fuzzParameters, hostileString } from '../testing/fuzz.js';
import { testKeyPair } from '../testing/keys.js';
import { StaticKeySource } from './key-source.js';
import { createAccessTokenVerifier, type AccessTokenVerifier } from './verify-access-token.js';

// The JWT parser sees every Bearer value. Any input: the claims of a good token, or INVALID_TOKEN /
// TOKEN_EXPIRED (401). Never another error, never a hang (each run has a timeout).
const clock = new FakeClock(Date.UTC(2026, 0, 1));
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

describe('fuzz: the access-token (JWT) parser', () => {
  let verify: AccessTokenVerifier;
  let good: string;
  let kid: string;

  beforeAll(async () => {
    const key = await testKeyPair('ES256');
    kid = key.kid;
    verify = createAccessTokenVerifier({
      issuer: 'https://gh.test',
      audience: 'gatehouse',
      keys: new StaticKeySource({ keys: [key.publicJwk] }),
      clock,
    });
    const now = Math.floor(clock.now() / 1000);
    good = await new SignJWT({ client_id: 'c', scope: 'openid' })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
      .setIssuer('https://gh.test')
      .setAudience('gatehouse')
      .setSubject('u')
      .setJti('j')
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(key.privateKey);
  });

  const refusedOrAccepted = async (token: string): Promise<void> => {
    try {
      await verify(token);
    } catch (err) {
      expect(err).toBeInstanceOf(GatehouseError);
      expect(['INVALID_TOKEN', 'TOKEN_EXPIRED']).toContain((err as GatehouseError).code);
      expect((err as GatehouseError).httpStatus).toBe(401);
    }
  };

  it('refuses any string with a 401 code', async () => {
    await fc.assert(fc.asyncProperty(hostileString(400), refusedOrAccepted), fuzzParameters(1000));
  });

  it('refuses three base64url segments of any JSON with a 401 code', async () => {
    const json = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(fc.constantFrom('alg', 'kid', 'typ', 'crit', 'jku', 'b64', 'zip', 'x'), fc.jsonValue()),
    );
    await fc.assert(
      fc.asyncProperty(json, json, fc.string({ unit: 'binary', maxLength: 80 }), async (h, p, s) =>
        refusedOrAccepted(`${b64(h)}.${b64(p)}.${b64(s)}`),
      ),
      fuzzParameters(1000),
    );
  });

  it('refuses every mutation of a valid token (a byte changed, added or removed) with a 401 code', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.constantFrom('flip', 'insert', 'delete'),
        fc.string({ minLength: 1, maxLength: 1 }),
        async (at, how, c) => {
          const i = at % good.length;
          const mutated =
            how === 'flip'
              ? good.slice(0, i) + (good[i] === c ? 'A' : c) + good.slice(i + 1)
              : how === 'insert'
                ? good.slice(0, i) + c + good.slice(i)
                : good.slice(0, i) + good.slice(i + 1);
          if (mutated === good) return;
          await expect(verify(mutated)).rejects.toBeInstanceOf(GatehouseError);
          await refusedOrAccepted(mutated);
        },
      ),
      fuzzParameters(1000),
    );
  });
});
