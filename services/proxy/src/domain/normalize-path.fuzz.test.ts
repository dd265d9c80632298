import fc from 'fast-check';
import { GatehouseError } from '@gatehouse/shared/errors';
import { fuzzParameters, hostileString } from '@gatehouse/shared/testing';
import { normalizePath, walkPath } from './normalize-path.js';

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

describe('fuzz: the canonical-path fast test', () => {
  it('settles a path only where the full walk gives the same path', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/);
    const path = fc.oneof(
      fc.array(segment, { maxLength: 6 }).chain((segs) => fc.constantFrom(`/${segs.join('/')}`, `/${segs.join('/')}/`)),
      fc.webPath().map((w) => `/${w.replace(/^\//, '')}`),
      hostileString(60).map((s) => `/${s}`),
    );
    fc.assert(
      // A path alone: normalizePath splits the query off at the first '?' before either runs.
      fc.property(
        path.filter((x) => !x.includes('?')),
        (p) => {
          let walked: string | GatehouseError;
          try {
            walked = walkPath(p);
          } catch (err) {
            walked = err as GatehouseError;
          }
          let fast: string | GatehouseError;
          try {
            fast = normalizePath(p).path;
          } catch (err) {
            fast = err as GatehouseError;
          }
          if (typeof walked === 'string') expect(fast).toBe(walked);
          else expect(fast).toMatchObject({ code: walked.code, detail: walked.detail });
        },
      ),
      fuzzParameters(3000),
    );
  });
});
