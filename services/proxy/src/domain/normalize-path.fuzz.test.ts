import fc from 'fast-check';
import { GatehouseError } from '@gatehouse/shared/errors';
import { fuzzParameters, hostileString } from '@gatehouse/shared/testing';
import { normalizePath } from './normalize-path.js';

// Any request target: a canonical path, or INVALID_REQUEST (400). Never another error, and the
// canonical form is a fixed point (normalising it again changes nothing), so a rule matched on it
// cannot be dodged by a second decoding downstream.
const target = fc.oneof(
  hostileString(200),
  hostileString(200).map((s) => `/${s}`),
  fc.webPath(),
  fc.webUrl({ withQueryParameters: true, withFragments: true }).map((u) => u.replace(/^https?:\/\/[^/]+/, '')),
);

describe('fuzz: the path normaliser', () => {
  it('answers a canonical path or INVALID_REQUEST, and the canonical path is stable', () => {
    fc.assert(
      fc.property(target, (t) => {
        let out: { path: string; query: string };
        try {
          out = normalizePath(t);
        } catch (err) {
          expect(err).toBeInstanceOf(GatehouseError);
          expect((err as GatehouseError).code).toBe('INVALID_REQUEST');
          expect((err as GatehouseError).httpStatus).toBe(400);
          return;
        }
        expect(out.path.startsWith('/')).toBe(true);
        expect(out.path.split('/').slice(1, -1)).not.toContain('');
        expect(out.path.split('/')).not.toContain('..');
        expect(normalizePath(out.path + out.query)).toEqual(out);
      }),
      fuzzParameters(2000),
    );
  });
});
