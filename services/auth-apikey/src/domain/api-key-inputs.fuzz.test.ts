import fc from 'fast-check';
import { GatehouseError } from '@gatehouse/shared/errors';
import { fuzzParameters, hostileString } from '@gatehouse/shared/testing';
import { checkFinalRedirect } from './final-redirect.js';
import { keyIdOf } from './key-format.js';
import { normalizeKeyName } from './key-name.js';
import { checkKeyScopes } from './key-scopes.js';

// auth-apikey's client inputs: the callback's final redirect, a presented key, a key's name and
// scopes. Any input: a value, or a GatehouseError with a 4xx status. Never another throw.
const ALLOW = ['https://app.example/keys/done'];
const fourXx = (err: unknown) => {
  expect(err).toBeInstanceOf(GatehouseError);
  expect((err as GatehouseError).httpStatus).toBeGreaterThanOrEqual(400);
  expect((err as GatehouseError).httpStatus).toBeLessThan(500);
};
const anyInput = fc.oneof(
  hostileString(200),
  hostileString(60).map((s) => `/${s}`),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.anything(),
);

describe('fuzz: auth-apikey inputs', () => {
  it('the API-key callback redirect is empty, a same-origin path or allow-listed, else INVALID_PAYLOAD', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyInput,
          fc.constantFrom(...ALLOW).chain((a) => hostileString(20).map((s) => a + s)),
        ),
        (r) => {
          let out: string;
          try {
            out = checkFinalRedirect(r, ALLOW);
          } catch (err) {
            fourXx(err);
            expect((err as GatehouseError).code).toBe('INVALID_PAYLOAD');
            return;
          }
          if (out === '') return;
          const u = new URL(out, 'https://gatehouse.example/');
          const allowed = ALLOW.some((a) => new URL(a).origin === u.origin && new URL(a).pathname === u.pathname);
          expect(u.origin === 'https://gatehouse.example' || allowed).toBe(true);
        },
      ),
      fuzzParameters(2000),
    );
  });

  it('keyIdOf answers an id or null for anything presented as a key', () => {
    const key = fc.oneof(
      anyInput,
      hostileString(80).map((s) => `ghk_${s}`),
      fc.stringMatching(/^ghk_[0-9a-f]{32}_[A-Za-z0-9_-]{0,60}$/),
    );
    fc.assert(
      fc.property(key, (k) => {
        const id = keyIdOf(k);
        if (id !== null) expect(typeof id).toBe('string');
      }),
      fuzzParameters(2000),
    );
  });

  it('a key name is normalised or refused with a 4xx code', () => {
    fc.assert(
      fc.property(anyInput, (n) => {
        try {
          expect(typeof normalizeKeyName(n, 64)).toBe('string');
        } catch (err) {
          fourXx(err);
        }
      }),
      fuzzParameters(1000),
    );
  });

  it('requested scopes are a subset of the allowed ones or refused with a 4xx code', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(anyInput, fc.constantFrom('read', 'write', 'admin')), { maxLength: 6 }), (req) => {
        try {
          for (const s of checkKeyScopes(req, ['read', 'write'])) expect(['read', 'write']).toContain(s);
        } catch (err) {
          fourXx(err);
        }
      }),
      fuzzParameters(1000),
    );
  });
});
