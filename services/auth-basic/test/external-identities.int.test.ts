import { startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { codeOf, startHarness, type Harness } from './helpers/harness.js';

let redis: SpawnedServer;
let h: Harness;
const PW = 'a long enough password';

beforeAll(async () => {
  redis = await startRedis();
  h = await startHarness(redis.url);
});
afterAll(async () => {
  await h?.stop();
  await redis?.stop();
});

const identity = (over: Record<string, unknown> = {}) => ({
  provider: 'keycloak',
  external_id: 'kc-sub-1',
  email: 'kc-new@example.com',
  email_verified: true,
  name: 'New Person',
  allow_registration: true,
  default_role: 'member',
  ...over,
});

describe('UserService.SignInWithIdentity / GetUserByIdentity (external identities)', () => {
  it('creates an account for a verified identity with registration on, then enters it by (provider, external id)', async () => {
    const created = await h.users.SignInWithIdentity(identity());
    expect(created).toMatchObject({ email: 'kc-new@example.com', provider: 'keycloak', roles: ['member'], status: 'active' });
    // The e-mail changes at the IdP: the identity still finds the same account.
    const again = await h.users.SignInWithIdentity(identity({ email: 'renamed@example.com', allow_registration: false }));
    expect(again.id).toBe(created.id);
    expect((await h.users.GetUserByIdentity({ provider: 'keycloak', external_id: 'kc-sub-1' })).id).toBe(created.id);
  });

  it('refuses an unknown identity without registration (INVALID_CREDENTIALS) and GetUserByIdentity answers NOT_FOUND', async () => {
    expect(
      await codeOf(h.users.SignInWithIdentity(identity({ external_id: 'kc-x', email: 'x@example.com', allow_registration: false }))),
    ).toBe('INVALID_CREDENTIALS');
    expect(await codeOf(h.users.GetUserByIdentity({ provider: 'keycloak', external_id: 'kc-x' }))).toBe('NOT_FOUND');
  });

  it('links a local account only when the provider verified the e-mail; the password keeps working', async () => {
    const local = await h.createUser('linkme@example.com', PW);
    const unverified = identity({ external_id: 'kc-link', email: 'LinkMe@example.com', email_verified: false });
    expect(await codeOf(h.users.SignInWithIdentity(unverified))).toBe('EMAIL_NOT_VERIFIED');
    expect(await codeOf(h.users.GetUserByIdentity({ provider: 'keycloak', external_id: 'kc-link' }))).toBe('NOT_FOUND');
    const linked = await h.users.SignInWithIdentity({ ...unverified, email_verified: true });
    expect(linked).toMatchObject({ id: local.id, provider: 'local' });
    expect((await h.post('/auth/login', { email: 'linkme@example.com', password: PW })).status).toBe(200);
  });

  it('never enters an account created by one provider through another provider', async () => {
    await h.users.SignInWithIdentity(identity({ provider: 'google', external_id: 'g-1', email: 'g-user@example.com' }));
    expect(await codeOf(h.users.SignInWithIdentity(identity({ external_id: 'kc-g', email: 'g-user@example.com' })))).toBe(
      'INVALID_PROVIDER',
    );
  });

  it('refuses a password login into an account created by a provider, even after a password was attempted to be set', async () => {
    await h.users.SignInWithIdentity(identity({ external_id: 'kc-pw', email: 'sso-only@example.com' }));
    const res = await h.post('/auth/login', { email: 'sso-only@example.com', password: PW });
    expect(res.status).toBe(401);
    const u = await h.users.GetUserByIdentity({ provider: 'keycloak', external_id: 'kc-pw' });
    expect(await codeOf(h.users.SetPassword({ id: u.id, password: PW }))).toBe('INVALID_PAYLOAD');
  });

  it('refuses a suspended linked account (USER_SUSPENDED)', async () => {
    const u = await h.users.SignInWithIdentity(identity({ external_id: 'kc-susp', email: 'susp@example.com' }));
    await h.users.UpdateUser({ id: u.id, status: 'suspended', has_roles: false, has_groups: false, roles: [], groups: [] });
    expect(await codeOf(h.users.SignInWithIdentity(identity({ external_id: 'kc-susp', email: 'susp@example.com' })))).toBe(
      'USER_SUSPENDED',
    );
  });

  it('forgets the identity with the account: a deleted account is not found, and the identity may register anew', async () => {
    const u = await h.users.SignInWithIdentity(identity({ external_id: 'kc-del', email: 'del@example.com' }));
    await h.users.DeleteUser({ id: u.id });
    expect(await codeOf(h.users.GetUserByIdentity({ provider: 'keycloak', external_id: 'kc-del' }))).toBe('NOT_FOUND');
    const again = await h.users.SignInWithIdentity(identity({ external_id: 'kc-del', email: 'del@example.com' }));
    expect(again.id).not.toBe(u.id);
  });

  it('gives one account to concurrent first sign-ins of the same person', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, () => h.users.SignInWithIdentity(identity({ external_id: 'kc-race', email: 'race@example.com' }))),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
  });

  it('refuses malformed requests with INVALID_PAYLOAD (no provider, the local provider, no external id)', async () => {
    expect(await codeOf(h.users.SignInWithIdentity(identity({ provider: '' })))).toBe('INVALID_PAYLOAD');
    expect(await codeOf(h.users.SignInWithIdentity(identity({ provider: 'local' })))).toBe('INVALID_PAYLOAD');
    expect(await codeOf(h.users.SignInWithIdentity(identity({ external_id: '' })))).toBe('INVALID_PAYLOAD');
  });
});
