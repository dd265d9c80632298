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
  // Throttle off here (0 disables it): several tests ask twice for one address; it is tested below.
  h = await startHarness(redis.url, {
    SMTP_URL: smtp.url,
    EMAIL_FROM: 'Gatehouse <noreply@gatehouse.example>',
    PASSWORD_RESET_URL_ALLOW_LIST: `${ALLOWED},https://other.example/x?y=1`,
    PASSWORD_RESET_MIN_INTERVAL: '0',
  });
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
    const link = await requestLink(
      'poison@example.com',
      {},
      { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' },
    );
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
      expect(await errorCode(await open.post('/auth/password/request', { email: 'a@example.com', reset_url: ALLOWED }))).toBe(
        'INVALID_PAYLOAD',
      );
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

describe('reset e-mail throttle (mailbox flooding)', () => {
  const STALL = 150;
  let t: Harness;
  beforeAll(async () => {
    // A long interval: every request of a test falls inside it however slow the machine is.
    t = await startHarness(redis.url, {
      SMTP_URL: smtp.url,
      PASSWORD_RESET_MIN_INTERVAL: '1m',
      LOGIN_STALL_TIME: `${STALL}ms`,
      PASSWORD_RESET_URL_ALLOW_LIST: ALLOWED,
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  const gqlRequest = (email: string) =>
    t.post('/graphql/system', { query: 'mutation R($e: String!) { auth_password_request(email: $e) }', variables: { e: email } });
  /** Status, body and every header but the per-response ones. */
  const shape = async (res: Response) => ({
    status: res.status,
    body: await res.text(),
    headers: [...res.headers.entries()].filter(([k]) => k !== 'date' && k !== 'x-request-id'),
  });
  async function expectNoMoreMail(): Promise<void> {
    await t.app.drainMail();
    expect(smtp.mails).toHaveLength(0);
  }

  it('sends one e-mail for two requests in a row (any spelling of the address); the mailed link stays valid', async () => {
    await t.createUser('flood@example.com', PW);
    expect((await t.post('/auth/password/request', { email: 'flood@example.com' })).status).toBe(204);
    expect((await t.post('/auth/password/request', { email: '  FLOOD@Example.COM ' })).status).toBe(204);
    expect((await gqlRequest('flood@example.com')).status).toBe(200);
    await t.app.drainMail();
    const mail = await smtp.next();
    expect(mail.to).toEqual(['flood@example.com']);
    await expectNoMoreMail();
    // The throttled requests created no token: the first link was not superseded.
    expect((await t.post('/auth/password/reset', { token: tokenOf(linkIn(mail.raw)), password: NEW_PW })).status).toBe(204);
  });

  it('sends one e-mail for 10 concurrent requests (REST and GraphQL)', async () => {
    await t.createUser('storm@example.com', PW);
    const res = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 ? gqlRequest('storm@example.com') : t.post('/auth/password/request', { email: 'storm@example.com' }),
      ),
    );
    expect(res.map((r) => r.status).sort()).toEqual([...Array(5).fill(200), ...Array(5).fill(204)]);
    await t.app.drainMail();
    const mail = await smtp.next();
    await expectNoMoreMail();
    expect((await t.post('/auth/password/reset', { token: tokenOf(linkIn(mail.raw)), password: NEW_PW })).status).toBe(204);
  });

  it('answers a throttled request exactly like a sending one and like an unknown address (no enumeration)', async () => {
    await t.createUser('same@example.com', PW);
    await t.createUser('same-gql@example.com', PW);
    const timed = async (p: () => Promise<Response>) => {
      const t0 = performance.now();
      const res = await p();
      expect(performance.now() - t0).toBeGreaterThanOrEqual(STALL - 5);
      return shape(res);
    };
    for (const send of [(e: string) => t.post('/auth/password/request', { email: e }), gqlRequest]) {
      const email = send === gqlRequest ? 'same-gql@example.com' : 'same@example.com';
      const sending = await timed(() => send(email));
      const throttled = await timed(() => send(email));
      const unknown = await timed(() => send(`nobody-${email}`));
      expect(throttled).toEqual(sending);
      expect(unknown).toEqual(sending);
      await t.app.drainMail();
      expect((await smtp.next()).to).toEqual([email]);
      await expectNoMoreMail();
    }
    // Validation still runs first: a bad reset_url is refused the same, throttled or not.
    expect(
      await errorCode(await t.post('/auth/password/request', { email: 'same@example.com', reset_url: '//evil.example/auth/reset' })),
    ).toBe('INVALID_PAYLOAD');
  });

  it('lets the next e-mail out after PASSWORD_RESET_MIN_INTERVAL; it supersedes the first link', async () => {
    const short = await startHarness(redis.url, { SMTP_URL: smtp.url, PASSWORD_RESET_MIN_INTERVAL: '300ms' });
    try {
      await short.createUser('later@example.com', PW);
      const ask = async () => {
        expect((await short.post('/auth/password/request', { email: 'later@example.com' })).status).toBe(204);
        await short.app.drainMail();
      };
      await ask();
      const first = tokenOf(linkIn((await smtp.next()).raw));
      await ask(); // inside the interval
      expect(smtp.mails).toHaveLength(0);
      await new Promise((r) => setTimeout(r, 350));
      await ask();
      const second = tokenOf(linkIn((await smtp.next()).raw));
      expect(smtp.mails).toHaveLength(0);
      expect(await errorCode(await short.post('/auth/password/reset', { token: first, password: NEW_PW }))).toBe('INVALID_TOKEN');
      expect((await short.post('/auth/password/reset', { token: second, password: NEW_PW })).status).toBe(204);
    } finally {
      await short.stop();
    }
  });

  it('answers 403 FORBIDDEN to request and reset when PASSWORD_RESET_ENABLED=false, sending nothing', async () => {
    const sent: string[] = [];
    const off = await startHarness(
      redis.url,
      { PASSWORD_RESET_ENABLED: 'false' },
      { mailer: { send: async (m) => void sent.push(m.to), close: () => undefined } },
    );
    try {
      await off.createUser('off@example.com', PW);
      const req = await off.post('/auth/password/request', { email: 'off@example.com' });
      expect([req.status, await errorCode(req)]).toEqual([403, 'FORBIDDEN']);
      const reset = await off.post('/auth/password/reset', { token: 'a'.repeat(43), password: NEW_PW });
      expect([reset.status, await errorCode(reset)]).toEqual([403, 'FORBIDDEN']);
      await off.app.drainMail();
      expect(sent).toEqual([]);
    } finally {
      await off.stop();
    }
  });

  it('gives the slot back when the e-mail cannot be sent', async () => {
    let fail = true;
    const sent: string[] = [];
    const flaky = await startHarness(
      redis.url,
      { PASSWORD_RESET_MIN_INTERVAL: '1m' },
      {
        mailer: {
          send: async (m) => {
            if (fail) throw new Error('smtp down');
            sent.push(m.to);
          },
          close: () => undefined,
        },
      },
    );
    try {
      await flaky.createUser('retry@example.com', PW);
      expect((await flaky.post('/auth/password/request', { email: 'retry@example.com' })).status).toBe(204);
      await flaky.app.drainMail();
      fail = false;
      expect((await flaky.post('/auth/password/request', { email: 'retry@example.com' })).status).toBe(204);
      await flaky.app.drainMail();
      expect(sent).toEqual(['retry@example.com']);
    } finally {
      await flaky.stop();
    }
  });
});

describe('password reset without SMTP_URL (dev outbox)', () => {
  it('attack: reading the log for a reset token: the outbox mailer writes the .eml and logs only its file, never the link', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-outbox-'));
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()) });
    const logger = createLogger({ service: 'auth-basic', level: 'info', destination: sink });
    const config = loadConfig({
      GATEHOUSE_SECRET: SECRET,
      PUBLIC_URL,
      AUTH_BASIC_HTTP_ADDR: '127.0.0.1:0',
      AUTH_BASIC_GRPC_ADDR: '127.0.0.1:0',
      AUTH_BASIC_DEBUG_ADDR: '127.0.0.1:0',
      BCRYPT_COST: '4',
      LOGIN_STALL_TIME: '0',
      AUTH_BASIC_OUTBOX_DIR: dir,
    });
    const store = new MemoryStore(systemClock);
    const app = createApp(config, {
      store,
      bus: new MemoryBus(),
      logger: pino({ level: 'silent' }),
      clock: systemClock,
      mailer: createOutboxMailer(dir, config.EMAIL_FROM, logger),
    });
    const ports = await app.start();
    try {
      const base = `http://127.0.0.1:${ports.http}`;
      const { createUserClient } = await import('@gatehouse/shared');
      const users = createUserClient(`127.0.0.1:${ports.grpc}`);
      await users.CreateUser({ email: 'dev@example.com', password: PW, name: '', roles: [], groups: [], provider: '' });
      users.close();
      const res = await fetch(`${base}/auth/password/request`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'dev@example.com' }),
      });
      expect(res.status).toBe(204);
      await app.drainMail();
      const files = await readdir(dir);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/\.eml$/);
      const eml = await readFile(join(dir, files[0]!), 'utf8');
      const link = linkIn(eml);
      expect(link).toMatch(new RegExp(`^${PUBLIC_URL}/admin/reset-password\\?token=[\\w-]{43}$`));
      const token = new URL(link).searchParams.get('token')!;
      const logged = lines.map((l) => JSON.parse(l) as { file?: string }).find((l) => l.file);
      expect(logged?.file).toBe(join(dir, files[0]!));
      expect(lines.join('')).not.toContain(token);
      expect(lines.join('')).not.toContain('reset-password?');
    } finally {
      await app.stop();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
