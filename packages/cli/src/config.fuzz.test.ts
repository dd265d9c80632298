import fc from 'fast-check';
import { ConfigError } from '@gatehouse/shared';
import { fuzzParameters, hostileString } from '@gatehouse/shared/testing';
import { CONFIG_SCHEMAS, SERVICES, SERVICE_NAMES } from './services.js';

// Every service's environment loader: a Config, or a ConfigError listing the problems (the service
// then refuses to start with that list). Never another exception.
const schemaKeys = SERVICE_NAMES.flatMap((n) => Object.keys((CONFIG_SCHEMAS[n] as unknown as { shape: Record<string, unknown> }).shape));
const keys = fc.oneof(
  fc.constantFrom(...new Set(schemaKeys)),
  fc.constantFrom(
    'AUTH_PROVIDERS',
    'AUTH_KC_DRIVER',
    'AUTH_KC_ISSUER_URL',
    'AUTH_KC_CLIENT_ID',
    'GATEHOUSE_SECRET_FILE',
    'AUTH_OIDC_CLIENTS_FILE',
  ),
  hostileString(20),
);
const values = fc.oneof(
  hostileString(60),
  fc.constantFrom(
    '',
    '0',
    '-1',
    '1e309',
    'true',
    'yes',
    '10s',
    '99999999999h',
    '127.0.0.1:0',
    'http://127.0.0.1:1',
    '[]',
    '[{}]',
    '{"a":',
    'kc',
    '/dev/null',
    'x'.repeat(40),
  ),
);
const environment = fc.dictionary(keys, values, { maxKeys: 12 }).map((e) => ({ GATEHOUSE_SECRET: 'x'.repeat(40), ...e }));

describe('fuzz: the environment loaders', () => {
  it.each(SERVICE_NAMES)('%s: loads a config or throws a ConfigError, for any environment', (name) => {
    fc.assert(
      fc.property(environment, (env) => {
        try {
          SERVICES[name].loadConfig(env);
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          expect(err.problems.length).toBeGreaterThan(0);
        }
      }),
      fuzzParameters(300),
    );
  });
});
