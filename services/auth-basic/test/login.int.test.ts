import { decodeJwt } from 'jose';
import { FakeClock, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { RedisStore } from '@gatehouse/shared';
import { codeOf, errorCode, startHarness, type Harness } from './helpers/harness.js';

let redis: SpawnedServer;
let h: Harness;
const PW = 'correct horse battery staple';

beforeAll(async () => {
  redis = await startRedis();
  h = await startHarness(redis.url);
});
afterAll(async () => {
  await h?.stop();
  await redis?.stop();
});

describe('POST /auth/login', () => {
  it('answers Directus json shape with tokens from auth-bearer, amr pwd', async () => {
    const { id } = await h.createUser('Alice@Example.com', PW, { roles: ['editor'] });
    const res = await h.post('/auth/login', { email: 'alice@example.COM', password: PW });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { data } = (await res.json()) as { data: { access_token: string; expires: number; refresh_token: string } };
    expect(data.expires).toBeGreaterThan(0);
    expect(data.refresh_token).toEqual(expect.any(String));
    const claims = decodeJwt(data.access_token);
    expect(claims.sub).toBe(id);
    expect(claims.amr).toEqual(['pwd']);
    expect(claims.roles).toEqual(['editor']);
  });

  it('/auth/login/local works the same', async () => {
    await h.createUser('local@example.com', PW);
    const res = await h.post('/auth/login/local', { email: 'local@example.com', password: PW });
    expect(res.status).toBe(200);
  });

  it('refuses another provider than local on POST /auth/login/:provider with ROUTE_NOT_FOUND, never checking the password', async () => {
    await h.createUser('other-provider@example.com', PW);
    for (const provider of ['github', 'otp', 'local-x', '..%2flocal']) {
      const res = await h.post(`/auth/login/${provider}`, { email: 'other-provider@example.com', password: PW });
      expect(res.status).toBe(404);
      expect(await errorCode(res)).toBe('ROUTE_NOT_FOUND');
    }
    expect(h.issuer.opened.filter((o) => o.principal.email === 'other-provider@example.com')).toHaveLength(0);
  });

  it('cookie mode puts the refresh token in an httpOnly cookie, not the body', async () => {
    await h.createUser('cookie@example.com', PW);
    const res = await h.post('/auth/login', { email: 'cookie@example.com', password: PW, mode: 'cookie' });
    const body = (await res.json()) as { data: Record<string, unknown> };
    expect(body.data.access_token).toEqual(expect.any(String));
    expect(body.data.refresh_token).toBeUndefined();
    expect(res.headers.get('set-cookie')).toMatch(/^gatehouse_refresh_token=[^;]+;.*HttpOnly/i);
  });

  it('session mode answers only cookies', async () => {
    await h.createUser('session@example.com', PW);
    const res = await h.post('/auth/login', { email: 'session@example.com', password: PW, mode: 'session' });
    const body = (await res.json()) as { data: Record<string, unknown> };
    expect(Object.keys(body.data)).toEqual(['expires']);
    expect(res.headers.get('set-cookie')).toMatch(/^gatehouse_session_token=/);
  });

  it('rejects an unknown mode with INVALID_PAYLOAD', async () => {
    expect(await errorCode(await h.post('/auth/login', { email: 'alice@example.com', password: PW, mode: 'jwt' }))).toBe('INVALID_PAYLOAD');
  });

  it('answers one generic INVALID_CREDENTIALS for unknown e-mail, wrong password, suspended, disabled and SSO users', async () => {
    await h.createUser('suspended@example.com', PW, {});
    const sus = await h.users.GetUser({ email: 'suspended@example.com' });
    await h.users.UpdateUser({ id: sus.id, status: 'suspended', roles: [], has_roles: false, groups: [], has_groups: false });
    const dis = await h.createUser('disabled@example.com', PW);
    await h.users.DisableUser({ id: dis.id });
    await h.createUser('sso@example.com', '', { provider: 'github' });

    const attempts = [
      { email: 'nobody@example.com', password: PW },
      { email: 'alice@example.com', password: 'wrong password here' },
      { email: 'suspended@example.com', password: PW },
      { email: 'disabled@example.com', password: PW },
      { email: 'sso@example.com', password: PW },
      { email: 'not-an-email', password: PW },
      { email: 'alice@example.com' },
    ];
    for (const a of attempts) {
      const res = await h.post('/auth/login', a, { 'x-forwarded-for': `10.9.0.${attempts.indexOf(a)}` });
      expect(res.status).toBe(401);
      const body = (await res.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect(body.errors[0]).toEqual({ message: 'Invalid user credentials.', extensions: { code: 'INVALID_CREDENTIALS' } });
    }
  });

  it('rejects a wrong-provider login: an SSO user with a password set elsewhere cannot use the local provider', async () => {
    const { id } = await h.createUser('provider@example.com', PW);
    // The user moves to SSO: the old hash stays in the record but the local provider no longer applies.
    await h.store.client.eval(
      `local k=KEYS[1] local u=cjson.decode(redis.call('GET',k)) u.provider='github' redis.call('SET',k,cjson.encode(u))`,
      1,
      `basic:user:${id}`,
    );
    expect(await errorCode(await h.post('/auth/login/local', { email: 'provider@example.com', password: PW }))).toBe('INVALID_CREDENTIALS');
  });

  it('rejects a password that differs from the stored one only after byte 72', async () => {
    const long = 'a'.repeat(72) + 'tail-one';
    await h.createUser('long@example.com', long);
    const wrong = 'a'.repeat(72) + 'tail-two';
    expect(await errorCode(await h.post('/auth/login', { email: 'long@example.com', password: wrong }))).toBe('INVALID_CREDENTIALS');
    expect((await h.post('/auth/login', { email: 'long@example.com', password: long })).status).toBe(200);
  });

  it('upgrades a hash of another cost at the next successful login', async () => {
    const { id } = await h.createUser('rehash@example.com', PW);
    const before = JSON.parse((await h.store.get(`basic:user:${id}`))!) as { password_hash: string };
    expect(before.password_hash).toMatch(/^\$2[aby]\$04\$/);
    const h5 = await startHarness(redis.url, { BCRYPT_COST: '5' });
    try {
      // Same Redis prefix is needed: copy the record into h5's namespace.
      const u = await h5.createUser('rehash@example.com', PW);
      await h5.store.client.eval(
        `local k=KEYS[1] local u=cjson.decode(redis.call('GET',k)) u.password_hash=ARGV[1] redis.call('SET',k,cjson.encode(u))`,
        1,
        `basic:user:${u.id}`,
        before.password_hash,
      );
      expect((await h5.post('/auth/login', { email: 'rehash@example.com', password: PW })).status).toBe(200);
      const after = JSON.parse((await h5.store.get(`basic:user:${u.id}`))!) as { password_hash: string };
      expect(after.password_hash).toMatch(/^\$2[aby]\$05\$/);
      expect((await h5.post('/auth/login', { email: 'rehash@example.com', password: PW })).status).toBe(200);
    } finally {
      await h5.stop();
    }
  });

  it('stores no plaintext and no unpeppered bcrypt of the password', async () => {
    const { id } = await h.createUser('stored@example.com', PW);
    const raw = (await h.store.get(`basic:user:${id}`))!;
    expect(raw).not.toContain(PW);
    const bcrypt = (await import('bcryptjs')).default;
    expect(bcrypt.compareSync(PW, (JSON.parse(raw) as { password_hash: string }).password_hash)).toBe(false);
  });

  it('rejects bodies that are not JSON objects with INVALID_PAYLOAD, never a 500', async () => {
    const res = await fetch(`${h.base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('INVALID_PAYLOAD');
    expect(await errorCode(await h.post('/auth/login', [1, 2]))).toBe('INVALID_PAYLOAD');
  });
});

describe('GET /auth', () => {
  it('is not served here: the providers list is served by auth-bearer, with the SSO routes', async () => {
    expect(await errorCode(await fetch(`${h.base}/auth`))).toBe('ROUTE_NOT_FOUND');
  });
});

describe('password policy', () => {
  it('refuses short, over-long and common passwords at creation with FAILED_VALIDATION', async () => {
    expect(await codeOf(h.createUser('p1@example.com', 'short'))).toBe('FAILED_VALIDATION');
    expect(await codeOf(h.createUser('p2@example.com', 'x'.repeat(257)))).toBe('FAILED_VALIDATION');
    expect(await codeOf(h.createUser('p3@example.com', 'password1'))).toBe('FAILED_VALIDATION');
    expect(await codeOf(h.createUser('p4@example.com', 'QwertyUIOP'))).toBe('FAILED_VALIDATION');
    expect(await codeOf(h.createUser('p5@example.com', 'x'.repeat(256)))).toBe('OK');
  });
});

describe('login timing', () => {
  it('pads every login answer, success or failure, to LOGIN_STALL_TIME', async () => {
    const padded = await startHarness(redis.url, { LOGIN_STALL_TIME: '300ms' });
    try {
      await padded.createUser('pad@example.com', PW);
      for (const body of [
        { email: 'pad@example.com', password: PW },
        { email: 'ghost@example.com', password: PW },
        { email: 'pad@example.com', password: 'wrong password!' },
      ]) {
        const t0 = performance.now();
        const res = await padded.post('/auth/login', body);
        const ms = performance.now() - t0;
        await res.arrayBuffer();
        expect(ms).toBeGreaterThanOrEqual(295);
        expect(ms).toBeLessThan(1500);
      }
    } finally {
      await padded.stop();
    }
  });
});

describe('brute force', () => {
  let b: Harness;
  const clock = new FakeClock(Date.now());
  beforeAll(async () => {
    b = await startHarness(
      redis.url,
      { LOGIN_ACCOUNT_FREE_ATTEMPTS: '3', LOGIN_IP_FREE_ATTEMPTS: '8', LOGIN_DELAY_BASE: '2s', LOGIN_DELAY_MAX: '60s' },
      { clock },
    );
    await b.createUser('victim@example.com', PW);
  });
  afterAll(() => b.stop());

  const attempt = (password: string, ip: string) =>
    b.post('/auth/login', { email: 'victim@example.com', password }, { 'x-forwarded-for': ip });

  it('delays the account with growing waits, then lets the right password in (no permanent lockout)', async () => {
    for (let i = 0; i < 3; i++) expect(await errorCode(await attempt('wrong password', `10.0.0.${i}`))).toBe('INVALID_CREDENTIALS');
    // 4th failure (from yet another IP): past the free attempts, a 2 s delay starts.
    expect(await errorCode(await attempt('wrong password', '10.0.0.50'))).toBe('INVALID_CREDENTIALS');
    const blocked = await attempt(PW, '10.0.0.51');
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('2');
    expect(await errorCode(blocked)).toBe('REQUESTS_EXCEEDED');

    clock.advance(2_001);
    expect(await errorCode(await attempt('wrong password', '10.0.0.52'))).toBe('INVALID_CREDENTIALS');
    const longer = await attempt(PW, '10.0.0.53');
    expect(longer.status).toBe(429);
    expect(longer.headers.get('retry-after')).toBe('4');

    clock.advance(4_001);
    expect(await errorCode(await attempt('wrong password', '10.0.0.54'))).toBe('INVALID_CREDENTIALS');
    expect((await attempt(PW, '10.0.0.55')).headers.get('retry-after')).toBe('8');

    clock.advance(8_001);
    expect((await attempt(PW, '10.0.0.56')).status).toBe(200);
    // Success cleared the account's count: the next failure is free again.
    expect(await errorCode(await attempt('wrong password', '10.0.0.57'))).toBe('INVALID_CREDENTIALS');
    expect((await attempt(PW, '10.0.0.58')).status).toBe(200);
  });

  it('delays a single IP spraying many accounts', async () => {
    for (let i = 0; i < 9; i++) {
      const res = await b.post(
        '/auth/login',
        { email: `spray${i}@example.com`, password: 'Summer2026!!' },
        { 'x-forwarded-for': '10.66.0.1' },
      );
      expect(await errorCode(res)).toBe('INVALID_CREDENTIALS');
    }
    const res = await b.post('/auth/login', { email: 'victim@example.com', password: PW }, { 'x-forwarded-for': '10.66.0.1' });
    expect(res.status).toBe(429);
    // Another IP is not affected.
    expect((await b.post('/auth/login', { email: 'victim@example.com', password: PW }, { 'x-forwarded-for': '10.66.0.2' })).status).toBe(
      200,
    );
  });

  it('keeps limiting with a local fallback when the limiter store is down (never unlimited)', async () => {
    const limiterRedis = await startRedis();
    const limiterStore = new RedisStore({ url: limiterRedis.url });
    await limiterStore.ready();
    const f = await startHarness(redis.url, { LOGIN_ACCOUNT_FREE_ATTEMPTS: '2', LOGIN_DELAY_BASE: '30s' }, { limiterStore });
    try {
      await f.createUser('fallback@example.com', PW);
      await limiterRedis.kill();
      const ip = { 'x-forwarded-for': '10.77.0.1' };
      for (let i = 0; i < 3; i++)
        expect(await errorCode(await f.post('/auth/login', { email: 'fallback@example.com', password: 'nope nope nope' }, ip))).toBe(
          'INVALID_CREDENTIALS',
        );
      const res = await f.post('/auth/login', { email: 'fallback@example.com', password: PW }, ip);
      expect(res.status).toBe(429);
      expect(await errorCode(res)).toBe('REQUESTS_EXCEEDED');
    } finally {
      await f.stop();
      await limiterStore.close();
    }
  });
});

describe('hashing queue', () => {
  it('answers REQUESTS_EXCEEDED with Retry-After when the bounded queue is full', async () => {
    const q = await startHarness(redis.url, { AUTH_BASIC_HASH_WORKERS: '1', AUTH_BASIC_HASH_QUEUE_MAX: '1', BCRYPT_COST: '10' });
    try {
      await q.createUser('queue@example.com', PW);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          q.post('/auth/login', { email: 'queue@example.com', password: PW }, { 'x-forwarded-for': `10.88.0.${i}` }),
        ),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
      const limited = results.filter((r) => r.status === 429);
      expect(limited.length).toBeGreaterThanOrEqual(1);
      expect(limited[0]!.headers.get('retry-after')).toBe('1');
      expect(await errorCode(limited[0]!)).toBe('REQUESTS_EXCEEDED');
    } finally {
      await q.stop();
    }
  });
});
