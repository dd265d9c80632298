import { setupDomain } from '../../test/support/domain-setup.js';
import { handleUserChanged } from './user-changed-subscriber.js';

describe('handleUserChanged', () => {
  it('deletes a deleted user’s keys and keeps a disabled or suspended user’s keys as REVOKED', async () => {
    const t = setupDomain();
    const a = await t.ready('u-alice');
    await t.ready('u-bob');
    expect(await handleUserChanged(t.keys, true, 'u-alice', 'suspended')).toBe(1);
    expect((await t.keys.get('u-alice', a.record.id)).status).toBe('REVOKED');
    expect(await handleUserChanged(t.keys, true, 'u-bob', 'deleted')).toBe(1);
    expect(await t.keys.list('u-bob')).toEqual([]);
    await t.done();
  });

  it('revokes on a password change only with AUTH_APIKEY_REVOKE_ON_PASSWORD_CHANGE, and ignores other changes', async () => {
    const t = setupDomain();
    const a = await t.ready('u-alice');
    expect(await handleUserChanged(t.keys, true, 'u-alice', 'updated')).toBe(0);
    expect(await handleUserChanged(t.keys, false, 'u-alice', 'password_changed')).toBe(0);
    expect((await t.keys.get('u-alice', a.record.id)).status).toBe('READY');
    expect(await handleUserChanged(t.keys, true, 'u-alice', 'password_changed')).toBe(1);
    expect((await t.keys.get('u-alice', a.record.id)).status).toBe('REVOKED');
    await t.done();
  });
});
