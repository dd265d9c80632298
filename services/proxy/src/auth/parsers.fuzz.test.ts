import fc from 'fast-check';
import { fuzzParameters, hostileString } from '@gatehouse/shared/testing';
import { bearerTokenFor, parseAuthorization, parseBasic } from './authenticator.js';
import { readCookie } from './session-authenticator.js';

// The header parsers see every request's raw Authorization and Cookie values. Whatever they get,
// they answer (a parse or null) and never throw: a throw here would be a 500.
const header = fc.oneof(
  hostileString(300),
  fc
    .tuple(fc.constantFrom('Bearer', 'bearer', 'Basic', 'BASIC', 'Digest', ''), fc.constantFrom(' ', '  ', '\t', ''), hostileString(200))
    .map((p) => p.join('')),
  fc.string({ unit: 'binary', maxLength: 100 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
  fc.string({ unit: 'binary', maxLength: 100 }).map((s) => `Basic ${Buffer.from(s).toString('base64url')}`),
);

describe('fuzz: Authorization, Basic and Cookie parsers', () => {
  it('parseAuthorization answers a lower-case scheme and a value without spaces, or null', () => {
    fc.assert(
      fc.property(header, (h) => {
        const a = parseAuthorization(h);
        if (a === null) return;
        expect(a.scheme).toBe(a.scheme.toLowerCase());
        expect(a.value).not.toMatch(/\s/);
      }),
      fuzzParameters(),
    );
  });

  it('parseBasic answers a non-empty user name and a password, or null, and only for the standard alphabet', () => {
    fc.assert(
      fc.property(header, (h) => {
        const b = parseBasic(h);
        if (b === null) return;
        expect(b.username.length).toBeGreaterThan(0);
        expect(parseAuthorization(h)!.value).toMatch(/^[A-Za-z0-9+/]+=*$/);
      }),
      fuzzParameters(),
    );
  });

  it('round-trips every user:password it is given in standard Base64', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((u) => !u.includes(':')),
        fc.string(),
        (u, p) => {
          const b = parseBasic(`Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`);
          // Lone surrogates do not survive UTF-8: those come back replaced, never thrown.
          if (b && Buffer.from(u).toString() === u && Buffer.from(p).toString() === p) expect(b).toEqual({ username: u, password: p });
        },
      ),
      fuzzParameters(),
    );
  });

  it('bearerTokenFor picks a token or null for any header and issuer list', () => {
    fc.assert(
      fc.property(header, fc.option(fc.array(fc.webUrl(), { maxLength: 3 }), { nil: undefined }), (h, issuers) => {
        const t = bearerTokenFor(h, issuers);
        if (t !== null) expect(parseAuthorization(h)!.scheme).toBe('bearer');
      }),
      fuzzParameters(),
    );
  });

  it('readCookie answers a value or undefined for any Cookie header', () => {
    const cookie = fc.oneof(
      hostileString(300),
      fc.array(fc.tuple(hostileString(20), hostileString(40)).map(([k, v]) => `${k}=${v}`)).map((c) => c.join('; ')),
    );
    fc.assert(
      fc.property(cookie, hostileString(30), (c, name) => {
        const v = readCookie(c, name);
        if (v !== undefined) expect(typeof v).toBe('string');
      }),
      fuzzParameters(),
    );
  });
});
