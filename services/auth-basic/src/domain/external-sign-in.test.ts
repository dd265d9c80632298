import { decideExternalSignIn, type ExternalSignInRequest } from './external-sign-in.js';
import type { UserRecord } from './user.js';
import { codeOf } from '@gatehouse/shared/testing';

const user = (over: Partial<UserRecord> = {}): UserRecord => ({
  id: 'u1',
  email: 'ada@example.com',
  name: 'Ada',
  roles: [],
  groups: [],
  status: 'active',
  provider: 'local',
  created_at_ms: 0,
  updated_at_ms: 0,
  ...over,
});
const req = (over: Partial<ExternalSignInRequest> = {}): ExternalSignInRequest => ({
  provider: 'keycloak',
  external_id: 'sub-1',
  email: 'ada@example.com',
  email_verified: true,
  name: 'Ada',
  allow_registration: false,
  default_role: undefined,
  ...over,
});

describe('decideExternalSignIn', () => {
  it('enters the account linked to the identity, whatever the e-mail says', () => {
    const linked = user({ provider: 'keycloak', identities: [{ provider: 'keycloak', external_id: 'sub-1' }] });
    expect(decideExternalSignIn(req({ email_verified: false, email: 'other@example.com' }), linked, null)).toEqual({
      action: 'enter',
      user: linked,
    });
  });

  it('refuses a linked account that is not active (USER_SUSPENDED)', () => {
    expect(codeOf(() => decideExternalSignIn(req(), user({ status: 'suspended' }), null))).toBe('USER_SUSPENDED');
    expect(codeOf(() => decideExternalSignIn(req(), null, user({ status: 'disabled' })))).toBe('USER_SUSPENDED');
  });

  it('links a local account with the same e-mail only when the provider verified it', () => {
    const local = user();
    expect(decideExternalSignIn(req(), null, local)).toEqual({ action: 'link', user: local });
    expect(codeOf(() => decideExternalSignIn(req({ email_verified: false }), null, local))).toBe('EMAIL_NOT_VERIFIED');
  });

  it('links an account provisioned for this provider, but never one created by another provider', () => {
    expect(decideExternalSignIn(req(), null, user({ provider: 'keycloak' })).action).toBe('link');
    expect(codeOf(() => decideExternalSignIn(req(), null, user({ provider: 'google' })))).toBe('INVALID_PROVIDER');
  });

  it('refuses a second identity of the same provider for one account (another person at the IdP with that e-mail)', () => {
    const taken = user({ identities: [{ provider: 'keycloak', external_id: 'sub-0' }] });
    expect(codeOf(() => decideExternalSignIn(req(), null, taken))).toBe('INVALID_PROVIDER');
  });

  it('creates an account only with registration on and a verified e-mail', () => {
    expect(codeOf(() => decideExternalSignIn(req(), null, null))).toBe('INVALID_CREDENTIALS');
    expect(decideExternalSignIn(req({ allow_registration: true }), null, null)).toEqual({ action: 'create' });
    expect(codeOf(() => decideExternalSignIn(req({ allow_registration: true, email_verified: false }), null, null))).toBe(
      'EMAIL_NOT_VERIFIED',
    );
    expect(codeOf(() => decideExternalSignIn(req({ allow_registration: true, email: undefined }), null, null))).toBe('INVALID_CREDENTIALS');
  });
});
