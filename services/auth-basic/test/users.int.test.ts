import { startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { codeOf, errorCode, startHarness, type Harness } from './helpers/harness.js';

let redis: SpawnedServer;
let h: Harness;
let adminAuth: Record<string, string>;
const PW = 'admin test password';

beforeAll(async () => {
  redis = await startRedis();
  h = await startHarness(redis.url);
  adminAuth = { 'x-gatehouse-identity': await h.identity('admin-1', ['admin']) };
});
afterAll(async () => {
  await h?.stop();
  await redis?.stop();
});

const call = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
  fetch(h.base + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });

describe('admin REST /users', () => {
  it('refuses callers without a verified identity header (401) and non-admins (403)', async () => {
    expect(await errorCode(await call('GET', '/users', {}))).toBe('UNAUTHENTICATED');
    expect(await errorCode(await call('GET', '/users', { 'x-gatehouse-identity': 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' }))).toBe(
      'UNAUTHENTICATED',
    );
    const res = await call('GET', '/users', { 'x-gatehouse-identity': await h.identity('u-1', ['editor']) });
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe('FORBIDDEN');
    expect(
      await errorCode(
        await call('POST', '/users', { 'x-gatehouse-identity': await h.identity('u-1', ['editor']) }, { email: 'x@example.com' }),
      ),
    ).toBe('FORBIDDEN');
  });

  it('creates, reads, lists, updates, disables and deletes users', async () => {
    const created = await call('POST', '/users', adminAuth, {
      email: 'Bob@Example.com',
      name: 'Bob',
      password: PW,
      roles: ['editor'],
      groups: ['team-a'],
    });
    expect(created.status).toBe(200);
    const bob = ((await created.json()) as { data: Record<string, unknown> }).data;
    expect(bob).toMatchObject({
      email: 'bob@example.com',
      name: 'Bob',
      roles: ['editor'],
      groups: ['team-a'],
      status: 'active',
      provider: 'local',
      totp_enabled: false,
    });
    expect(bob).not.toHaveProperty('password_hash');
    const id = bob.id as string;

    expect(await errorCode(await call('POST', '/users', adminAuth, { email: 'bob@EXAMPLE.com', password: PW }))).toBe('CONFLICT');
    expect(((await (await call('GET', `/users/${id}`, adminAuth)).json()) as { data: { email: string } }).data.email).toBe(
      'bob@example.com',
    );
    expect(await errorCode(await call('GET', '/users/00000000-0000-0000-0000-000000000000', adminAuth))).toBe('NOT_FOUND');

    const patched = await call('PATCH', `/users/${id}`, adminAuth, {
      name: 'Robert',
      email: 'robert@example.com',
      roles: ['editor', 'viewer'],
    });
    expect(((await patched.json()) as { data: Record<string, unknown> }).data).toMatchObject({
      name: 'Robert',
      email: 'robert@example.com',
      roles: ['editor', 'viewer'],
    });
    expect((await h.users.GetUser({ email: 'ROBERT@example.com' })).id).toBe(id);
    expect(await codeOf(h.users.GetUser({ email: 'bob@example.com' }))).toBe('NOT_FOUND');
    expect(h.events).toContainEqual(expect.objectContaining({ user_id: id, reason: 'updated' }));

    const list = await call('GET', '/users?limit=100', adminAuth);
    expect(((await list.json()) as { data: Array<{ id: string }> }).data.map((u) => u.id)).toContain(id);

    await h.post('/auth/login', { email: 'robert@example.com', password: PW });
    expect(h.issuer.sessionsOf(id)).toBe(1);
    const disabled = await call('POST', `/users/${id}/disable`, adminAuth);
    expect(((await disabled.json()) as { data: { status: string } }).data.status).toBe('disabled');
    expect(h.issuer.sessionsOf(id)).toBe(0);
    expect(h.issuer.revokedUsers).toContainEqual({ userId: id, reason: 'disabled' });
    expect(h.events).toContainEqual(
      expect.objectContaining({ user_id: id, reason: 'disabled', id: expect.any(String), at: expect.any(Number) }),
    );
    expect(await errorCode(await h.post('/auth/login', { email: 'robert@example.com', password: PW }))).toBe('INVALID_CREDENTIALS');

    expect((await call('DELETE', `/users/${id}`, adminAuth)).status).toBe(204);
    expect(h.events).toContainEqual(expect.objectContaining({ user_id: id, reason: 'deleted' }));
    expect(h.issuer.revokedUsers).toContainEqual({ userId: id, reason: 'deleted' });
    expect(await errorCode(await call('GET', `/users/${id}`, adminAuth))).toBe('NOT_FOUND');
    // The e-mail is free again.
    expect((await call('POST', '/users', adminAuth, { email: 'robert@example.com' })).status).toBe(200);
  });

  it('suspending a user revokes its sessions and blocks login', async () => {
    const { id } = await h.createUser('suspend-me@example.com', PW);
    await h.post('/auth/login', { email: 'suspend-me@example.com', password: PW });
    await call('PATCH', `/users/${id}`, adminAuth, { status: 'suspended' });
    expect(h.issuer.sessionsOf(id)).toBe(0);
    expect(h.events).toContainEqual(expect.objectContaining({ user_id: id, reason: 'suspended' }));
    expect(await errorCode(await h.post('/auth/login', { email: 'suspend-me@example.com', password: PW }))).toBe('INVALID_CREDENTIALS');
    await call('PATCH', `/users/${id}`, adminAuth, { status: 'active' });
    expect((await h.post('/auth/login', { email: 'suspend-me@example.com', password: PW })).status).toBe(200);
  });

  it('rejects bad input with stable codes', async () => {
    expect(await errorCode(await call('POST', '/users', adminAuth, { email: 'not-an-email' }))).toBe('INVALID_PAYLOAD');
    expect(await errorCode(await call('POST', '/users', adminAuth, { email: 'r@example.com', roles: 'admin' }))).toBe('INVALID_PAYLOAD');
    expect(await errorCode(await call('POST', '/users', adminAuth, { email: 's@example.com', status: 'godmode' }))).toBe('INVALID_PAYLOAD');
    expect(await errorCode(await call('POST', '/users', adminAuth, { email: 'sso2@example.com', provider: 'github', password: PW }))).toBe(
      'INVALID_PAYLOAD',
    );
    expect(await errorCode(await call('GET', '/nowhere', adminAuth))).toBe('ROUTE_NOT_FOUND');
  });

  it('refuses a duplicate e-mail spelled with decomposed Unicode (unique constraint bypass), and logs it in either form', async () => {
    const composed = 'jos\u00e9@example.com';
    const decomposed = 'JOSE\u0301@example.com';
    const created = await call('POST', '/users', adminAuth, { email: composed, password: PW });
    expect(created.status).toBe(200);
    expect(await errorCode(await call('POST', '/users', adminAuth, { email: decomposed }))).toBe('CONFLICT');
    expect((await h.post('/auth/login', { email: decomposed, password: PW })).status).toBe(200);
  });

  it('pages through the list with a cursor', async () => {
    for (let i = 0; i < 3; i++) await call('POST', '/users', adminAuth, { email: `page${i}@example.com` });
    const seen = new Set<string>();
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null && pages < 50) {
      const res = await call('GET', `/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`, adminAuth);
      const body = (await res.json()) as { data: Array<{ id: string }>; meta: { next_cursor: string | null } };
      expect(body.data.length).toBeLessThanOrEqual(2);
      for (const u of body.data) seen.add(u.id);
      cursor = body.meta.next_cursor;
      pages++;
    }
    const all = await h.users.ListUsers({ limit: 1000, cursor: '' });
    expect(seen.size).toBe(all.users.length);
  });
});

describe('gRPC UserService', () => {
  it('creates, gets by id or e-mail, updates, sets a password and deletes', async () => {
    const u = await h.users.CreateUser({ email: 'grpc@example.com', name: 'G', password: PW, roles: ['r1'], groups: [], provider: '' });
    expect((await h.users.GetUser({ id: u.id })).email).toBe('grpc@example.com');
    expect((await h.users.GetUser({ email: 'GRPC@example.com' })).id).toBe(u.id);
    const upd = await h.users.UpdateUser({ id: u.id, name: 'Gee', roles: [], has_roles: true, groups: ['g1'], has_groups: true });
    expect(upd).toMatchObject({ name: 'Gee', roles: [], groups: ['g1'] });
    await h.post('/auth/login', { email: 'grpc@example.com', password: PW });
    await h.users.SetPassword({ id: u.id, password: 'a different password' });
    expect(h.issuer.sessionsOf(u.id)).toBe(0);
    expect(h.events).toContainEqual(expect.objectContaining({ user_id: u.id, reason: 'password_changed' }));
    expect(await codeOf(h.users.SetPassword({ id: u.id, password: '12345678' }))).toBe('FAILED_VALIDATION');
    await h.users.DeleteUser({ email: 'grpc@example.com' });
    expect(await codeOf(h.users.GetUser({ id: u.id }))).toBe('NOT_FOUND');
    expect(await codeOf(h.users.GetUser({}))).toBe('INVALID_PAYLOAD');
  });

  it('Authenticate returns a principal (amr pwd, auth_method basic) and the generic error otherwise', async () => {
    const u = await h.users.CreateUser({
      email: 'basic@example.com',
      name: 'B',
      password: PW,
      roles: ['viewer'],
      groups: ['g'],
      provider: '',
    });
    const p = await h.users.Authenticate({ email: 'basic@example.com', password: PW, ip: '10.2.2.2' });
    expect(p).toMatchObject({
      user_id: u.id,
      email: 'basic@example.com',
      roles: ['viewer'],
      groups: ['g'],
      amr: ['pwd'],
      auth_method: 'basic',
    });
    expect(await codeOf(h.users.Authenticate({ email: 'basic@example.com', password: 'wrong password', ip: '10.2.2.2' }))).toBe(
      'INVALID_CREDENTIALS',
    );
    expect(await codeOf(h.users.Authenticate({ email: 'nobody@example.com', password: PW, ip: '10.2.2.2' }))).toBe('INVALID_CREDENTIALS');
  });
});
