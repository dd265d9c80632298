import { decodeJwt } from 'jose';
import { FakeClock, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { totpCode } from '../src/domain/totp.js';
import { errorCode, startHarness, type Harness } from './helpers/harness.js';

let redis: SpawnedServer;
let h: Harness;
const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 5));
const PW = 'totp user password';

beforeAll(async () => {
  redis = await startRedis();
  h = await startHarness(redis.url, {}, { clock });
});
afterAll(async () => {
  await h?.stop();
  await redis?.stop();
});

async function enroll(email: string): Promise<{ id: string; secret: string; recovery: string[]; auth: Record<string, string> }> {
  const { id } = await h.createUser(email, PW);
  const auth = { 'x-gatehouse-identity': await h.identity(id) };
  const gen = await h.post('/users/me/tfa/generate', { password: PW }, auth);
  expect(gen.status).toBe(200);
  const { data } = (await gen.json()) as { data: { secret: string; otpauth_url: string } };
  expect(data.otpauth_url).toMatch(/^otpauth:\/\/totp\/Gatehouse:/);
  const en = await h.post('/users/me/tfa/enable', { secret: data.secret, otp: totpCode(data.secret, clock.now()) }, auth);
  expect(en.status).toBe(200);
  const recovery = ((await en.json()) as { data: { recovery_codes: string[] } }).data.recovery_codes;
  clock.advance(30_000); // leave the enrollment step behind
  return { id, secret: data.secret, recovery, auth };
}

describe('TOTP', () => {
  it('enrollment needs the password and a valid code for the generated secret', async () => {
    const { id } = await h.createUser('enroll@example.com', PW);
    const auth = { 'x-gatehouse-identity': await h.identity(id) };
    expect(await errorCode(await h.post('/users/me/tfa/generate', { password: 'not the password' }, auth))).toBe('INVALID_CREDENTIALS');
    expect(await errorCode(await h.post('/users/me/tfa/generate', { password: PW }, {}))).toBe('UNAUTHENTICATED');
    const { data } = (await (await h.post('/users/me/tfa/generate', { password: PW }, auth)).json()) as { data: { secret: string } };
    expect(await errorCode(await h.post('/users/me/tfa/enable', { secret: data.secret, otp: '000000' }, auth))).toBe('INVALID_OTP');
    // A secret the server did not hand out is refused (no client-chosen secrets).
    expect(
      await errorCode(
        await h.post('/users/me/tfa/enable', { secret: 'JBSWY3DPEHPK3PXP', otp: totpCode('JBSWY3DPEHPK3PXP', clock.now()) }, auth),
      ),
    ).toBe('INVALID_PAYLOAD');
    const user = await h.users.GetUser({ id });
    expect(user.totp_enabled).toBe(false);
  });

  it('stores the secret encrypted at rest', async () => {
    const { id, secret } = await enroll('atrest@example.com');
    const raw = (await h.store.get(`basic:user:${id}`))!;
    expect(raw).not.toContain(secret);
    expect(JSON.parse(raw).totp_secret_enc).toMatch(/^v1\./);
  });

  it('asks for the code at login: INVALID_OTP when missing or wrong, amr pwd+otp when right', async () => {
    const { secret } = await enroll('login-otp@example.com');
    expect(await errorCode(await h.post('/auth/login', { email: 'login-otp@example.com', password: PW }))).toBe('INVALID_OTP');
    expect(await errorCode(await h.post('/auth/login', { email: 'login-otp@example.com', password: PW, otp: '123456' }))).toBe(
      'INVALID_OTP',
    );
    // Wrong password with a right code is still the generic error.
    expect(
      await errorCode(
        await h.post('/auth/login', { email: 'login-otp@example.com', password: 'bad password!', otp: totpCode(secret, clock.now()) }),
      ),
    ).toBe('INVALID_CREDENTIALS');
    const res = await h.post('/auth/login', { email: 'login-otp@example.com', password: PW, otp: totpCode(secret, clock.now()) });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: { access_token: string } };
    expect(decodeJwt(data.access_token).amr).toEqual(['pwd', 'otp']);
  });

  it('accepts a code from the previous and next step, not two steps away', async () => {
    const { secret } = await enroll('window@example.com');
    clock.advance(30_000); // the step before now must not be the (used) enrollment step
    const login = (otp: string) => h.post('/auth/login', { email: 'window@example.com', password: PW, otp });
    expect((await login(totpCode(secret, clock.now() - 30_000))).status).toBe(200);
    expect((await login(totpCode(secret, clock.now() + 30_000))).status).toBe(200);
    expect(await errorCode(await login(totpCode(secret, clock.now() - 60_000)))).toBe('INVALID_OTP');
    expect(await errorCode(await login(totpCode(secret, clock.now() + 60_000)))).toBe('INVALID_OTP');
  });

  it('rejects a replayed code (TOTP replay), even inside its window', async () => {
    const { secret } = await enroll('replay@example.com');
    const otp = totpCode(secret, clock.now());
    expect((await h.post('/auth/login', { email: 'replay@example.com', password: PW, otp })).status).toBe(200);
    expect(await errorCode(await h.post('/auth/login', { email: 'replay@example.com', password: PW, otp }))).toBe('INVALID_OTP');
    clock.advance(10_000);
    expect(await errorCode(await h.post('/auth/login', { email: 'replay@example.com', password: PW, otp }))).toBe('INVALID_OTP');
  });

  it('rejects an older code of the window once a newer one was used (TOTP replay of an earlier code)', async () => {
    const { secret } = await enroll('older-code@example.com');
    clock.advance(30_000);
    const login = (otp: string) => h.post('/auth/login', { email: 'older-code@example.com', password: PW, otp });
    expect((await login(totpCode(secret, clock.now()))).status).toBe(200);
    // The previous step's code is still inside the ±1 window, but a later code was already accepted.
    expect(await errorCode(await login(totpCode(secret, clock.now() - 30_000)))).toBe('INVALID_OTP');
    expect((await login(totpCode(secret, clock.now() + 30_000))).status).toBe(200);
  });

  it('rejects a replay over gRPC Authenticate too (same rules: TOTP users cannot use Basic without a code)', async () => {
    await enroll('basic-totp@example.com');
    await expect(h.users.Authenticate({ email: 'basic-totp@example.com', password: PW, ip: '10.1.1.1' })).rejects.toMatchObject({
      code: 'INVALID_OTP',
    });
  });

  it('accepts each recovery code once', async () => {
    const { recovery } = await enroll('recovery@example.com');
    expect(recovery).toHaveLength(10);
    const code = recovery[0]!;
    expect((await h.post('/auth/login', { email: 'recovery@example.com', password: PW, otp: code.toUpperCase() })).status).toBe(200);
    expect(await errorCode(await h.post('/auth/login', { email: 'recovery@example.com', password: PW, otp: code }))).toBe('INVALID_OTP');
    expect((await h.post('/auth/login', { email: 'recovery@example.com', password: PW, otp: recovery[1]! })).status).toBe(200);
  });

  it('disables with a valid code or the password, and login stops asking', async () => {
    const a = await enroll('disable1@example.com');
    expect(await errorCode(await h.post('/users/me/tfa/disable', { otp: '000000' }, a.auth))).toBe('INVALID_OTP');
    expect((await h.post('/users/me/tfa/disable', { otp: totpCode(a.secret, clock.now()) }, a.auth)).status).toBe(204);
    expect((await h.post('/auth/login', { email: 'disable1@example.com', password: PW })).status).toBe(200);

    const b = await enroll('disable2@example.com');
    expect(await errorCode(await h.post('/users/me/tfa/disable', { password: 'wrong password' }, b.auth))).toBe('INVALID_CREDENTIALS');
    expect((await h.post('/users/me/tfa/disable', { password: PW }, b.auth)).status).toBe(204);
    expect((await h.users.GetUser({ id: b.id })).totp_enabled).toBe(false);
  });
});
