import { FakeClock, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { RedisStore } from '@gatehouse/shared';
import { totpCode } from '../src/domain/totp.js';
import { errorCode, startHarness, type Harness } from './helpers/harness.js';

/**
 * Concurrency attacks on the login limiter: an attempt is reserved before bcrypt, so a burst of
 * parallel guesses gets no more than a sequence would. Counted at the source: every bcrypt
 * comparison started (the `onPasswordCompare` hook of the hasher).
 */
let redis: SpawnedServer;
const PW = 'correct horse battery staple';
const FREE = 3;
const env = {
  LOGIN_ACCOUNT_FREE_ATTEMPTS: String(FREE),
  LOGIN_IP_FREE_ATTEMPTS: '1000',
  LOGIN_DELAY_BASE: '2s',
  LOGIN_DELAY_MAX: '60s',
  AUTH_BASIC_HASH_QUEUE_MAX: '1000',
};

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** 30 parallel logins with a wrong password, each from its own address; the error codes. */
async function burst(h: Harness, email: string, tag: string): Promise<string[]> {
  const res = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      h.post('/auth/login', { email, password: 'wrong password!' }, { 'x-forwarded-for': `10.${tag}.0.${i}` }),
    ),
  );
  return Promise.all(res.map(async (r) => (await errorCode(r)) ?? String(r.status)));
}

const count = (codes: string[], code: string) => codes.filter((c) => c === code).length;

describe('attack: concurrent guessing on one account', () => {
  it('a burst of concurrent wrong passwords on one account gets no more than the free attempts (plus the one that starts the delay, as in a sequence) before the delay (Redis)', async () => {
    const clock = new FakeClock(Date.now());
    let compares = 0;
    const h = await startHarness(redis.url, env, { clock, onPasswordCompare: () => void compares++ });
    try {
      await h.createUser('burst@example.com', PW);
      compares = 0;
      const first = await burst(h, 'burst@example.com', '1');
      // At most the free attempts run side by side; one more may follow alone once they all failed
      // (it starts the delay), exactly as in a sequence of guesses.
      expect(compares).toBeGreaterThanOrEqual(FREE);
      expect(compares).toBeLessThanOrEqual(FREE + 1);
      expect(count(first, 'INVALID_CREDENTIALS')).toBe(compares);
      expect(count(first, 'REQUESTS_EXCEEDED')).toBe(30 - compares);
      const second = await burst(h, 'burst@example.com', '2');
      expect(count(second, 'REQUESTS_EXCEEDED') + count(second, 'INVALID_CREDENTIALS')).toBe(30);
      // The delay now holds: two bursts of 30 got the free attempts plus the one that started it.
      expect(count(await burst(h, 'burst@example.com', '3'), 'INVALID_CREDENTIALS')).toBe(0);
      expect(compares).toBe(FREE + 1);

      // After the delay: again one guess per delay, never a burst.
      clock.advance(2_001);
      compares = 0;
      const after = await burst(h, 'burst@example.com', '4');
      expect(compares).toBe(1);
      expect(count(after, 'REQUESTS_EXCEEDED')).toBe(29);

      // No permanent lockout: once the (now 4 s) delay is over, the right password gets in and clears the count.
      clock.advance(4_001);
      expect((await h.post('/auth/login', { email: 'burst@example.com', password: PW }, { 'x-forwarded-for': '10.5.0.1' })).status).toBe(
        200,
      );
      compares = 0;
      expect(count(await burst(h, 'burst@example.com', '6'), 'INVALID_CREDENTIALS')).toBe(FREE);
      expect(compares).toBe(FREE);
    } finally {
      await h.stop();
    }
  });

  it('a burst of concurrent wrong passwords on one account gets no more than the free attempts (plus the one that starts the delay) before the delay (in-memory fallback, limiter store down)', async () => {
    const limiterRedis = await startRedis();
    const limiterStore = new RedisStore({ url: limiterRedis.url, commandTimeoutMs: 300 });
    await limiterStore.ready();
    let compares = 0;
    const h = await startHarness(redis.url, env, { limiterStore, onPasswordCompare: () => void compares++ });
    try {
      await h.createUser('burst-fallback@example.com', PW);
      await limiterRedis.kill();
      compares = 0;
      const first = await burst(h, 'burst-fallback@example.com', '1');
      expect(compares).toBeGreaterThanOrEqual(FREE);
      expect(compares).toBeLessThanOrEqual(FREE + 1);
      expect(count(first, 'INVALID_CREDENTIALS')).toBe(compares);
      expect(count(first, 'REQUESTS_EXCEEDED')).toBe(30 - compares);
      await burst(h, 'burst-fallback@example.com', '2');
      expect(count(await burst(h, 'burst-fallback@example.com', '3'), 'INVALID_CREDENTIALS')).toBe(0);
      expect(compares).toBe(FREE + 1);
    } finally {
      await h.stop();
      await limiterStore.close();
    }
  });
});

describe('attack: a stolen session as a password-guessing oracle', () => {
  it('the password checks of /users/me/tfa/generate and /disable are limited like logins, and count against the account', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 5));
    let compares = 0;
    const h = await startHarness(redis.url, env, { clock, onPasswordCompare: () => void compares++ });
    try {
      const { id } = await h.createUser('stolen@example.com', PW);
      const auth = { 'x-gatehouse-identity': await h.identity(id), 'x-forwarded-for': '10.9.0.1' };
      const guess = async (path: string, body: Record<string, string>) => {
        const res = await Promise.all(Array.from({ length: 30 }, () => h.post(path, body, auth)));
        return Promise.all(res.map(async (r) => (await errorCode(r)) ?? String(r.status)));
      };
      compares = 0;
      const codes = await guess('/users/me/tfa/generate', { password: 'guess guess guess' });
      expect(compares).toBeGreaterThanOrEqual(FREE);
      expect(compares).toBeLessThanOrEqual(FREE + 1);
      expect(count(codes, 'INVALID_CREDENTIALS')).toBe(compares);
      expect(count(codes, 'REQUESTS_EXCEEDED')).toBe(30 - compares);
      await guess('/users/me/tfa/generate', { password: 'guess guess guess' });
      expect(compares).toBe(FREE + 1);
      // The delay started: even the right password now waits, here and at login.
      expect(await errorCode(await h.post('/users/me/tfa/generate', { password: PW }, auth))).toBe('REQUESTS_EXCEEDED');
      expect(
        await errorCode(await h.post('/auth/login', { email: 'stolen@example.com', password: PW }, { 'x-forwarded-for': '10.9.0.2' })),
      ).toBe('REQUESTS_EXCEEDED');

      // After the delay: enroll, then guess the password (and codes) of /disable.
      clock.advance(2_001);
      const gen = await h.post('/users/me/tfa/generate', { password: PW }, auth);
      expect(gen.status).toBe(200);
      const { secret } = ((await gen.json()) as { data: { secret: string } }).data;
      expect((await h.post('/users/me/tfa/enable', { secret, otp: totpCode(secret, clock.now()) }, auth)).status).toBe(200);
      clock.advance(30_000);
      compares = 0;
      const dis = await guess('/users/me/tfa/disable', { password: 'guess guess guess' });
      expect(count(dis, 'REQUESTS_EXCEEDED')).toBe(30 - compares);
      await guess('/users/me/tfa/disable', { password: 'guess guess guess' });
      expect(compares).toBe(FREE + 1);
      expect(await errorCode(await h.post('/users/me/tfa/disable', { otp: totpCode(secret, clock.now()) }, auth))).toBe(
        'REQUESTS_EXCEEDED',
      );
      // Codes are limited too: a wrong one after the delay counts (the next delay is 4 s).
      clock.advance(2_001);
      expect(await errorCode(await h.post('/users/me/tfa/disable', { otp: '000000' }, auth))).toBe('INVALID_OTP');
      expect(await errorCode(await h.post('/users/me/tfa/disable', { otp: totpCode(secret, clock.now()) }, auth))).toBe(
        'REQUESTS_EXCEEDED',
      );
      clock.advance(4_001);
      expect((await h.post('/users/me/tfa/disable', { otp: totpCode(secret, clock.now()) }, auth)).status).toBe(204);
    } finally {
      await h.stop();
    }
  });
});
