import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { MemoryBus, MemoryStore, createLogger, systemClock } from '@gatehouse/shared';
import { startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createOutboxMailer } from '../src/mail/mailer.js';
import { PUBLIC_URL, SECRET, errorCode, startHarness, type Harness } from './helpers/harness.js';
import { linkIn, startSmtpSink } from './helpers/smtp-sink.js';

let redis: SpawnedServer;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let h: Harness;
const PW = 'old password that works';
const NEW_PW = 'brand new password 2026';
const ALLOWED = 'https://app.example/auth/reset';

beforeAll(async () => {
  redis = await startRedis();
  smtp = await startSmtpSink();
  h = await startHarness(redis.url, { SMTP_URL: smtp.url, EMAIL_FROM: 'Gatehouse <noreply@gatehouse.example>', PASSWORD_RESET_URL_ALLOW_LIST: `${ALLOWED},https://other.example/x?y=1` });
});
afterAll(async () => {
  await h?.stop();
  await smtp?.stop();
  await redis?.stop();
});

async function requestLink(email: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<string> {
  const res = await h.post('/auth/password/request', { email, ...extra }, headers);
  expect(res.status).toBe(204);
  await h.app.drainMail();
  const mail = await smtp.next();
  expect(mail.to).toEqual([email]);
  return linkIn(mail.raw);
}

const tokenOf = (link: string) => new URL(link).searchParams.get('token')!;

describe('password reset', () => {
  it('mails a PUBLIC_URL link; the token resets the password once, and all sessions are revoked', async () => {
    const { id } = await h.createUser('reset@example.com', PW);
    await h.post('/auth/login', { email: 'reset@example.com', password: PW });
    expect(h.issuer.sessionsOf(id)).toBe(1);

    const link = await requestLink('reset@example.com');
    expect(link.startsWith(`${PUBLIC_URL}/admin/reset-password?token=`)).toBe(true);
    const token = tokenOf(link);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    // Stored only as a digest.
    expect(await h.store.get(`basic:reset:${token}`)).toBeNull();

    expect((await h.post('/auth/password/reset', { token, password: NEW_PW })).status).toBe(204);
    expect(h.issuer.sessionsOf(id)).toBe(0);
    expect(h.issuer.revokedUsers).toContainEqual({ userId: id, reason: 'password_changed' });
    expect(h.events).toContainEqual(expect.objectContaining({ user_id: id, reason: 'password_changed' }));
    expect(await errorCode(await h.post('/auth/login', { email: 'reset@example.com', password: PW }))).toBe('INVALID_CREDENTIALS');
    expect((await h.post('/auth/login', { email: 'reset@example.com', password: NEW_PW })).status).toBe(200);

    // Reset-token reuse.
    expect(await errorCode(await h.post('/auth/password/reset', { token, password: 'yet another password 1' }))).toBe('INVALID_TOKEN');
  });

  it('answers the same 204 for an unknown e-mail and sends nothing', async () => {
    const res = await h.post('/auth/password/request', { email: 'ghost@example.com' });
    expect(res.status).toBe(204);
    await h.app.drainMail();
    await new Promise((r) => setTimeout(r, 100));
    expect(smtp.mails).toHaveLength(0);
  });

  it('checks the policy before consuming the token', async () => {
    await h.createUser('policy@example.com', PW);
    const token = tokenOf(await requestLink('policy@example.com'));
    expect(await errorCode(await h.post('/auth/password/reset', { token, password: 'password' }))).toBe('FAILED_VALIDATION');
    expect((await h.post('/auth/password/reset', { token, password: NEW_PW })).status).toBe(204);
  });

  it('supersedes an older token with a newer request', async () => {
    await h.createUser('supersede@example.com', PW);
    const first = tokenOf(await requestLink('supersede@example.com'));
    const second = tokenOf(await requestLink('supersede@example.com'));
    expect(await errorCode(await h.post('/auth/password/reset', { token: first, password: NEW_PW }))).toBe('INVALID_TOKEN');
    expect((await h.post('/auth/password/reset', { token: second, password: NEW_PW })).status).toBe(204);
  });

  it('refuses a reset token issued before the password was changed another way (stale reset link)', async () => {
    const { id } = await h.createUser('stale-link@example.com', PW);
    const token = tokenOf(await requestLink('stale-link@example.com'));
    await h.users.SetPassword({ id, password: 'admin chose this one' });
    expect(await errorCode(await h.post('/auth/password/reset', { token, password: NEW_PW }))).toBe('INVALID_TOKEN');
    expect((await h.post('/auth/login', { email: 'stale-link@example.com', password: 'admin chose this one' })).status).toBe(200);
  });

  it('rejects an unknown token', async () => {
    expect(await errorCode(await h.post('/auth/password/reset', { token: 'A'.repeat(43), password: NEW_PW }))).toBe('INVALID_TOKEN');
    expect(await errorCode(await h.post('/auth/password/reset', { password: NEW_PW }))).toBe('INVALID_PAYLOAD');
  });

  it('ignores Host and X-Forwarded-Host when building the link (reset link poisoning)', async () => {
    await h.createUser('poison@example.com', PW);
    const link = await requestLink('poison@example.com', {}, { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' });
    expect(new URL(link).origin).toBe(PUBLIC_URL);
    expect(link).not.toContain('evil');
  });

  it('uses an allowed reset_url (exact, or same origin and path)', async () => {
    await h.createUser('custom@example.com', PW);
    const exact = await requestLink('custom@example.com', { reset_url: ALLOWED });
    expect(exact.startsWith(`${ALLOWED}?token=`)).toBe(true);
    const samePath = await requestLink('custom@example.com', { reset_url: `${ALLOWED}?lang=de` });
    expect(new URL(samePath).searchParams.get('lang')).toBe('de');
    expect(new URL(samePath).pathname).toBe('/auth/reset');
  });

  it.each([
    ['a foreign origin', 'https://evil.example/auth/reset'],
    ['a protocol-relative URL', '//evil.example/auth/reset'],
    ['a backslash-escaped forward slash', '/\\evil.example/auth/reset'],
    ['userinfo that hides the host', 'https://app.example@evil.example/auth/reset'],
    ['userinfo on the allowed host', 'https://app@evil.example/auth/reset'],
    ['a scheme downgrade', 'http://app.example/auth/reset'],
    ['another path on the allowed origin', 'https://app.example/auth/reset/../../steal'],
    ['a javascript: URL', 'javascript:alert(1)//app.example/auth/reset'],
    ['a relative path', '/auth/reset'],
    ['a subdomain lookalike', 'https://app.example.evil.example/auth/reset'],
  ])('rejects an allow-list bypass attempt: %s', async (_name, url) => {
    const res = await h.post('/auth/password/request', { email: 'custom@example.com', reset_url: url });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('INVALID_PAYLOAD');
  });

  it('rejects any reset_url when the allow list is empty', async () => {
    const open = await startHarness(redis.url, { SMTP_URL: smtp.url });
    try {
      expect(await errorCode(await open.post('/auth/password/request', { email: 'a@example.com', reset_url: ALLOWED }))).toBe('INVALID_PAYLOAD');
    } finally {
      await open.stop();
    }
  });

  it('expires tokens after PASSWORD_RESET_TTL', async () => {
    const short = await startHarness(redis.url, { SMTP_URL: smtp.url, PASSWORD_RESET_TTL: '200ms' });
    try {
      await short.createUser('expire@example.com', PW);
      expect((await short.post('/auth/password/request', { email: 'expire@example.com' })).status).toBe(204);
      await short.app.drainMail();
      const token = tokenOf(linkIn((await smtp.next()).raw));
      await new Promise((r) => setTimeout(r, 300));
      expect(await errorCode(await short.post('/auth/password/reset', { token, password: NEW_PW }))).toBe('INVALID_TOKEN');
    } finally {
      await short.stop();
    }
  });

  it('takes the same time for known and unknown e-mails (padded)', async () => {
    const padded = await startHarness(redis.url, { SMTP_URL: smtp.url, LOGIN_STALL_TIME: '200ms' });
    try {
      await padded.createUser('timing@example.com', PW);
      for (const email of ['timing@example.com', 'nobody-here@example.com']) {
        const t0 = performance.now();
        expect((await padded.post('/auth/password/request', { email })).status).toBe(204);
        expect(performance.now() - t0).toBeGreaterThanOrEqual(195);
      }
      await padded.app.drainMail();
      await smtp.next();
    } finally {
      await padded.stop();
    }
  });
});

describe('password reset without SMTP_URL (dev outbox)', () => {
  it('logs the full link as reset_link (not redacted) and writes an .eml to the outbox', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-outbox-'));
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()) });
    const logger = createLogger({ service: 'auth-basic', level: 'info', destination: sink });
    const config = loadConfig({ GATEHOUSE_SECRET: SECRET, PUBLIC_URL, AUTH_BASIC_HTTP_ADDR: '127.0.0.1:0', AUTH_BASIC_GRPC_ADDR: '127.0.0.1:0', AUTH_BASIC_DEBUG_ADDR: '127.0.0.1:0', BCRYPT_COST: '4', LOGIN_STALL_TIME: '0', AUTH_BASIC_OUTBOX_DIR: dir });
    const store = new MemoryStore(systemClock);
    const app = createApp(config, { store, bus: new MemoryBus(), logger: pino({ level: 'silent' }), clock: systemClock, mailer: createOutboxMailer(dir, config.EMAIL_FROM, logger) });
    const ports = await app.start();
    try {
      const base = `http://127.0.0.1:${ports.http}`;
      const { createUserClient } = await import('@gatehouse/shared');
      const users = createUserClient(`127.0.0.1:${ports.grpc}`);
      await users.CreateUser({ email: 'dev@example.com', password: PW, name: '', roles: [], groups: [], provider: '' });
      users.close();
      const res = await fetch(`${base}/auth/password/request`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'dev@example.com' }) });
      expect(res.status).toBe(204);
      await app.drainMail();
      const logged = lines.map((l) => JSON.parse(l) as { reset_link?: string }).find((l) => l.reset_link);
      expect(logged?.reset_link).toMatch(new RegExp(`^${PUBLIC_URL}/admin/reset-password\\?token=[\\w-]{43}$`));
      const files = await readdir(dir);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/\.eml$/);
      const eml = await readFile(join(dir, files[0]!), 'utf8');
      expect(linkIn(eml)).toBe(logged!.reset_link);
    } finally {
      await app.stop();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
