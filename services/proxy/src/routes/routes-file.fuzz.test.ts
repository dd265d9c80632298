import fc from 'fast-check';
import { stringify } from 'yaml';
import { ConfigError } from '@gatehouse/shared';
import { fuzzParameters, hostileString } from '@gatehouse/shared/testing';
import { parseRoutes } from './routes-file.js';

// A routes file is operator input read at start: it loads, or the start stops with a ConfigError
// listing the problems. Never another exception (a TypeError is a crash with no explanation).
const value = fc.oneof(hostileString(40), fc.integer(), fc.boolean(), fc.constant(null), fc.array(hostileString(20), { maxLength: 3 }));
const route = fc.dictionary(
  fc.constantFrom(
    'prefix',
    'path',
    'upstream',
    'methods',
    'public',
    'scopes',
    'roles',
    'timeout',
    'passAuthorization',
    'passCookies',
    'websocket',
    'name',
    'x',
  ),
  fc.oneof(value, fc.constantFrom('/a', '/a/b', 'whoami', 'http://127.0.0.1:1', '30s', 'GET', true)),
);
const file = fc.oneof(
  hostileString(300),
  fc
    .record(
      { routes: fc.oneof(fc.array(route, { maxLength: 5 }), value), upstreams: fc.oneof(fc.dictionary(hostileString(10), value), value) },
      { requiredKeys: [] },
    )
    .map((o) => stringify(o)),
);

describe('fuzz: the routes-file loader', () => {
  it('loads routes or throws a ConfigError, for any text', () => {
    fc.assert(
      fc.property(file, (text) => {
        try {
          const routes = parseRoutes(text, { whoami: 'http://127.0.0.1:9250' });
          expect(Array.isArray(routes)).toBe(true);
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
        }
      }),
      fuzzParameters(1000),
    );
  });
});
