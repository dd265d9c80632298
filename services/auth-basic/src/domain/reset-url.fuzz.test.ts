import fc from 'fast-check';
import { GatehouseError } from '@gatehouse/shared/errors';
import { fuzzParameters, hostileString } from '@gatehouse/shared/testing';
import { checkResetUrl } from './reset-url.js';

// A client-chosen reset_url: an allow-listed URL, or INVALID_PAYLOAD (400). Nothing else.
const ALLOW = ['https://app.example/reset', 'https://app.example/other?x=1'];

describe('fuzz: the password-reset redirect validator', () => {
  it('answers an allow-listed origin and path, or INVALID_PAYLOAD', () => {
    const requested = fc.oneof(
      hostileString(200),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.webUrl().map((u) => u.replace('://', '://user:pw@')),
      fc.constantFrom(...ALLOW).chain((a) => hostileString(30).map((s) => a + s)),
      fc.anything(),
    );
    fc.assert(
      fc.property(requested, (r) => {
        let url: URL;
        try {
          url = checkResetUrl(r, ALLOW);
        } catch (err) {
          expect(err).toBeInstanceOf(GatehouseError);
          expect((err as GatehouseError).code).toBe('INVALID_PAYLOAD');
          expect((err as GatehouseError).httpStatus).toBe(400);
          return;
        }
        expect(ALLOW.some((a) => new URL(a).origin === url.origin && new URL(a).pathname === url.pathname)).toBe(true);
      }),
      fuzzParameters(2000),
    );
  });
});
