import { type GatehouseError } from '../errors.js';
import type { IdentityClaims } from './identity-token.js';
import { isDelegated, selfCaller } from './self-caller.js';

const base: IdentityClaims = {
  sub: 'u1',
  roles: [],
  groups: [],
  scopes: [],
  amr: ['pwd'],
  auth_method: 'bearer',
  iss: 'gatehouse-proxy',
  aud: 'gatehouse-upstream',
  iat: 1,
  exp: 2,
  jti: 'j',
};
const codeOf = (f: () => unknown) => {
  try {
    f();
    return undefined;
  } catch (err) {
    return (err as GatehouseError).code;
  }
};

describe('selfCaller', () => {
  it('accepts the user signed in in person', () => {
    expect(selfCaller(base, 'Things').sub).toBe('u1');
  });

  it.each([
    ['an app token', { auth_method: 'app', amr: ['app'] }],
    ['an API-key token (amr apikey on a bearer token)', { amr: ['apikey'] }],
    ['an API key as the method', { auth_method: 'apikey' }],
    ['a third-party app of the built-in IdP (amr oidc_client beside pwd)', { amr: ['pwd', 'oidc_client'] }],
    ['a service acting for the user (act)', { act: { sub: 'svc' } }],
  ])('refuses %s with FORBIDDEN', (_name, extra) => {
    expect(codeOf(() => selfCaller({ ...base, ...extra }, 'Things'))).toBe('FORBIDDEN');
  });

  it('refuses a missing identity or subject with UNAUTHENTICATED', () => {
    expect(codeOf(() => selfCaller(undefined, 'Things'))).toBe('UNAUTHENTICATED');
    expect(codeOf(() => selfCaller({ ...base, sub: '' }, 'Things'))).toBe('UNAUTHENTICATED');
  });
});

describe('isDelegated', () => {
  it('holds for app tokens, API keys, third-party apps and act, never for the user in person', () => {
    expect(isDelegated(base)).toBe(false);
    expect(isDelegated({ ...base, auth_method: 'session', amr: ['pwd', 'otp'] })).toBe(false);
    expect(isDelegated({ ...base, auth_method: 'app', amr: ['app'] })).toBe(true);
    expect(isDelegated({ ...base, amr: ['apikey'] })).toBe(true);
    expect(isDelegated({ ...base, amr: ['oidc_client'] })).toBe(true);
    expect(isDelegated({ ...base, act: { sub: 'svc' } })).toBe(true);
  });
});
