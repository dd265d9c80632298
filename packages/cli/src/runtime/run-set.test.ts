import { resolveRunSet } from './run-set.js';
import { withDerivedEndpoints } from './endpoints.js';

describe('resolveRunSet', () => {
  it('runs proxy, auth-bearer and auth-basic by default (auth-app is opt-in, as in oCIS)', () => {
    expect(resolveRunSet({})).toEqual(['auth-bearer', 'auth-basic', 'proxy']);
  });
  it('adds with GATEHOUSE_ADD_RUN_SERVICES and removes with GATEHOUSE_EXCLUDE_RUN_SERVICES', () => {
    expect(resolveRunSet({ GATEHOUSE_ADD_RUN_SERVICES: 'auth-app' })).toEqual(['auth-bearer', 'auth-basic', 'auth-app', 'proxy']);
    expect(resolveRunSet({ GATEHOUSE_EXCLUDE_RUN_SERVICES: 'proxy' })).toEqual(['auth-bearer', 'auth-basic']);
  });
  it('treats GATEHOUSE_RUN_SERVICES as the exclusive list', () => {
    expect(resolveRunSet({ GATEHOUSE_RUN_SERVICES: 'proxy, auth-bearer' })).toEqual(['auth-bearer', 'proxy']);
  });
  it('refuses unknown or misspelled service names instead of ignoring them', () => {
    expect(() => resolveRunSet({ GATEHOUSE_ADD_RUN_SERVICES: 'auth-ap' })).toThrow(/unknown service\(s\): auth-ap/);
  });
});

describe('withDerivedEndpoints', () => {
  it('derives every endpoint from the listen addresses so one variable moves a port', () => {
    const env = withDerivedEndpoints({ AUTH_BEARER_GRPC_ADDR: '0.0.0.0:7001', PROXY_HTTP_ADDR: '127.0.0.1:7000' });
    expect(env.AUTH_BEARER_GRPC_ENDPOINT).toBe('127.0.0.1:7001');
    expect(env.PUBLIC_URL).toBe('http://127.0.0.1:7000');
    expect(env.GATEHOUSE_IDENTITY_JWKS_URL).toBe('http://127.0.0.1:7000/.well-known/gatehouse/jwks.json');
    expect(env.AUTH_BASIC_GRPC_ENDPOINT).toBe('127.0.0.1:9221');
  });
  it('routes apikeys.ApiKeyService only when auth-apikey runs (its gRPC endpoint is derived then)', () => {
    expect(withDerivedEndpoints({}).AUTH_APIKEY_GRPC_ENDPOINT).toBeUndefined();
    const env = withDerivedEndpoints(
      { AUTH_APIKEY_GRPC_ADDR: '127.0.0.1:7241' },
      resolveRunSet({ GATEHOUSE_ADD_RUN_SERVICES: 'auth-apikey' }),
    );
    expect(env.AUTH_APIKEY_GRPC_ENDPOINT).toBe('127.0.0.1:7241');
    expect(env.AUTH_APIKEY_HTTP_ENDPOINT).toBe('http://127.0.0.1:9240');
  });
  it('keeps endpoints the operator set', () => {
    expect(withDerivedEndpoints({ PUBLIC_URL: 'https://auth.example.com' }).PUBLIC_URL).toBe('https://auth.example.com');
  });
});
