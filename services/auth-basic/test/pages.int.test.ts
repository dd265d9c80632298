import { Writable } from 'node:stream';
import { createLogger } from '@gatehouse/shared';
import { startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import type { Mailer, OutgoingMail } from '../src/mail/mailer.js';
import { startHarness, type Harness } from './helpers/harness.js';
import { attrOf, inlineScript, runPageScript } from './helpers/page-script.js';

let redis: SpawnedServer;
let h: Harness;
const logLines: string[] = [];
const mails: OutgoingMail[] = [];
const PW = 'correct horse battery staple';
const NEW_PW = 'a fresh password for 2026';

const captureMailer: Mailer = { send: async (m) => void mails.push(m), close: () => undefined };

beforeAll(async () => {
  redis = await startRedis();
  // Every log line at trace level is kept, to prove the reset token never reaches one.
  const logger = createLogger({
    service: 'auth-basic',
    level: 'trace',
    destination: new Writable({ write: (c: Buffer, _e, cb) => (logLines.push(c.toString()), cb()) }),
  });
  h = await startHarness(redis.url, { LOGIN_ACCOUNT_FREE_ATTEMPTS: '2', LOGIN_DELAY_BASE: '3m' }, { mailer: captureMailer, logger });
});
afterAll(async () => {
  await h?.stop();
  await redis?.stop();
});

const get = (pathAndQuery: string) => fetch(h.base + pathAndQuery, { headers: { accept: 'text/html' } });
const loginPage = async (redirect?: string) =>
  (await get(`/admin/login${redirect === undefined ? '' : `?redirect=${encodeURIComponent(redirect)}`}`)).text();
const redirectOf = (page: string) => attrOf(page, 'login', 'data-redirect');

async function resetToken(email: string): Promise<string> {
  const before = mails.length;
  expect((await h.post('/auth/password/request', { email })).status).toBe(204);
  await h.app.drainMail();
  expect(mails).toHaveLength(before + 1);
  return new URL(/https?:\/\/\S+/.exec(mails.at(-1)!.text)![0]).searchParams.get('token')!;
}

describe('page security headers', () => {
  it.each([
    ['the login page', '/admin/login?redirect=%2Fapps'],
    ['the reset page', '/admin/reset-password?token=abc'],
    ['the reset page without a token', '/admin/reset-password'],
  ])('%s: strict CSP with a per-response nonce, no framing, no referrer, no caching, no sniffing', async (_name, url) => {
    const [a, b] = [await get(url), await get(url)];
    for (const res of [a, b]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const nonces = [];
    for (const res of [a, b]) {
      const csp = res.headers.get('content-security-policy')!;
      const directives = Object.fromEntries(
        csp
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .map(([k, ...v]) => [k, v.join(' ')]),
      );
      const nonce = /^'nonce-([A-Za-z0-9+/=]{24,})'$/.exec(directives['script-src'])?.[1];
      expect(nonce).toBeDefined();
      expect(directives).toEqual({
        'default-src': "'none'",
        'script-src': `'nonce-${nonce}'`,
        'style-src': `'nonce-${nonce}'`,
        'connect-src': "'self'",
        'form-action': "'self'",
        'frame-ancestors': "'none'",
        'base-uri': "'none'",
      });
      const page = await res.text();
      // Exactly one script and one style element, both carrying this response's nonce; no inline handlers.
      expect(page.match(/<script\b[^>]*>/g)).toEqual([`<script nonce="${nonce}">`]);
      expect(page.match(/<style\b[^>]*>/g)).toEqual([`<style nonce="${nonce}">`]);
      expect(page).not.toMatch(/\son[a-z]+=/i);
      nonces.push(nonce);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it('the page scripts are valid JavaScript (a syntax error would silently break the page)', async () => {
    const { Script } = await import('node:vm');
    for (const page of [await loginPage(), await (await get('/admin/reset-password?token=abc')).text()]) {
      expect(() => new Script(inlineScript(page))).not.toThrow();
    }
  });

  it('HEAD answers the same headers without a body', async () => {
    const res = await fetch(`${h.base}/admin/login`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none'/);
    expect(await res.text()).toBe('');
  });
});

describe('login page redirect parameter', () => {
  it('keeps a same-origin path with its query', async () => {
    expect(redirectOf(await loginPage('/apps/files?dir=%2Fdocs&view=list'))).toBe('/apps/files?dir=%2Fdocs&view=list');
  });

  it('goes to / without a redirect parameter', async () => {
    expect(redirectOf(await loginPage())).toBe('/');
  });

  it.each([
    ['a protocol-relative URL (//evil.example)', '//evil.example'],
    ['a backslash-escaped forward slash (/\\evil.example)', '/\\evil.example'],
    ['an absolute http: URL', 'http://evil.example/'],
    ['a scheme without slashes (https:evil.example)', 'https:evil.example'],
    ['a javascript: URL', 'javascript:alert(document.cookie)'],
    ['a tab browsers strip (/<TAB>/evil.example)', '/\t/evil.example'],
    ['a newline browsers strip (/<LF>/evil.example)', '/\n/evil.example'],
    ['a NUL byte', '/\0/evil.example'],
    ['an encoded second slash (/%2F/evil.example)', '/%2F/evil.example'],
    ['an encoded backslash (/%5Cevil.example)', '/%5Cevil.example'],
    ['a double-encoded slash (/%252F/evil.example)', '/%252F/evil.example'],
    ['an encoded tab (/%09/evil.example)', '/%09/evil.example'],
  ])('neutralises %s: the page goes to /', async (_name, attack) => {
    const page = await loginPage(attack);
    expect(redirectOf(page)).toBe('/');
    expect(page).not.toContain('evil.example');
  });

  it.each([
    ['a percent-encoded //evil.example in the raw query string', 'redirect=%2F%2Fevil.example'],
    ['a raw backslash in the query string', 'redirect=/%5Cevil.example'],
    ['a repeated parameter whose second value is hostile', 'redirect=/apps&redirect=//evil.example'],
    ['a bracketed parameter (redirect[a]=//evil.example)', 'redirect[a]=//evil.example'],
    ['a malformed escape', 'redirect=/%E0%A4%A'],
  ])('neutralises %s: the page goes to /', async (_name, query) => {
    const page = await (await get(`/admin/login?${query}`)).text();
    expect(redirectOf(page)).toBe('/');
    expect(page).not.toContain('evil.example');
  });

  it('the script refuses a protocol-relative target even if the page carried one', async () => {
    const page = await loginPage();
    await h.createUser('script-guard@example.com', PW);
    const run = runPageScript(page, h.base, {
      login: { fields: { email: 'script-guard@example.com', password: PW, otp: '' }, dataset: { redirect: '//evil.example' } },
      forgot: { fields: { email: '' } },
    });
    await run.forms.login!.submit();
    expect(run.navigations).toEqual(['/']);
  });
});

describe('escaping', () => {
  it('escapes a hostile same-origin redirect path inside the data attribute', async () => {
    const hostile = `/x"><script>alert(1)</script><img/src=x/onerror=alert(2)>'\``; // no spaces: a valid path
    const page = await loginPage(hostile);
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img');
    expect(page).toContain('data-redirect="/x&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;');
    // The browser reads back exactly the value: escaped, not altered.
    expect(redirectOf(page)).toBe(hostile);
  });

  it('escapes a hostile token inside the hidden field', async () => {
    const hostile = `"><script>alert(1)</script><input value='x' autofocus onfocus=alert(2)>&amp;`;
    const page = await (await get(`/admin/reset-password?token=${encodeURIComponent(hostile)}`)).text();
    expect(page).not.toContain('<script>alert');
    expect(page.match(/<input /g)).toHaveLength(3); // token, password, confirm
    expect(attrOf(page, 'reset', 'id')).toBe('reset');
    expect(/<input type="hidden" name="token" value="([^"]*)">/.exec(page)?.[1]).toBe(
      '&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;&#60;input value=&#39;x&#39; autofocus onfocus=alert(2)&#62;&#38;amp;',
    );
  });

  it('shows no form for a missing, empty, repeated or overlong token', async () => {
    for (const q of ['', '?token=', '?token=a&token=b', `?token=${'a'.repeat(257)}`]) {
      const page = await (await get(`/admin/reset-password${q}`)).text();
      expect(page).not.toContain('id="reset"');
      expect(page).toContain('This reset link is incomplete');
    }
  });
});

describe('login page script against the real service', () => {
  it('signs in with mode session, receives the session cookie and goes to the redirect', async () => {
    const { id } = await h.createUser('page-login@example.com', PW);
    const page = await loginPage('/apps/files?dir=%2Fdocs');
    const run = runPageScript(page, h.base, {
      login: { fields: { email: ' page-login@example.com ', password: PW, otp: '' }, dataset: { redirect: redirectOf(page)! } },
      forgot: { fields: { email: '' } },
    });
    expect(run.forms.login!.button.disabled).toBe(false); // enabled by the script only
    await run.forms.login!.submit();

    expect(run.navigations).toEqual(['/apps/files?dir=%2Fdocs']);
    const res = run.responses.at(-1)!;
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/^gatehouse_session_token=[^;]+;.*HttpOnly/i);
    expect(await res.json()).toEqual({ data: { expires: expect.any(Number) } });
    expect(h.issuer.sessionsOf(id)).toBe(1);
  });

  it('shows INVALID_CREDENTIALS, then REQUESTS_EXCEEDED with the wait, as sentences', async () => {
    await h.createUser('page-wrong@example.com', PW);
    const page = await loginPage();
    const attempt = async () => {
      const run = runPageScript(page, h.base, {
        login: { fields: { email: 'page-wrong@example.com', password: 'not the password', otp: '' } },
        forgot: { fields: { email: '' } },
      });
      await run.forms.login!.submit();
      expect(run.navigations).toEqual([]);
      return run.forms.login!.status;
    };
    expect(await attempt()).toEqual({ textContent: 'Wrong e-mail or password.', className: 'status error' });
    expect((await attempt()).textContent).toBe('Wrong e-mail or password.');
    // LOGIN_ACCOUNT_FREE_ATTEMPTS=2, LOGIN_DELAY_BASE=3m: the account now waits 3 minutes.
    expect((await attempt()).textContent).toBe('Wrong e-mail or password.');
    expect(await attempt()).toEqual({ textContent: 'Too many attempts. Try again in 3 minutes.', className: 'status error' });
  });

  it('shows INVALID_OTP when two-factor authentication is on and no code was given', async () => {
    const { id } = await h.createUser('page-otp@example.com', PW);
    const identity = await h.identity(id);
    const gen = (await (await h.post('/users/me/tfa/generate', { password: PW }, { 'x-gatehouse-identity': identity })).json()) as {
      data: { secret: string };
    };
    const { authenticator } = await import('otplib');
    expect(
      (
        await h.post(
          '/users/me/tfa/enable',
          { secret: gen.data.secret, otp: authenticator.generate(gen.data.secret) },
          { 'x-gatehouse-identity': identity },
        )
      ).status,
    ).toBeLessThan(300);

    const run = runPageScript(await loginPage(), h.base, {
      login: { fields: { email: 'page-otp@example.com', password: PW, otp: '' } },
      forgot: { fields: { email: '' } },
    });
    await run.forms.login!.submit();
    expect(run.forms.login!.status.textContent).toBe('Enter the current code from your authenticator app (or a recovery code).');
    expect(run.navigations).toEqual([]);
  });

  it('the forgot-password form requests a link and answers the same for an unknown address', async () => {
    await h.createUser('page-forgot@example.com', PW);
    for (const [email, sent] of [
      ['page-forgot@example.com', 1],
      ['nobody@example.com', 0],
    ] as const) {
      const before = mails.length;
      const run = runPageScript(await loginPage(), h.base, {
        login: { fields: { email: '', password: '', otp: '' } },
        forgot: { fields: { email } },
      });
      await run.forms.forgot!.submit();
      await h.app.drainMail();
      expect(run.forms.forgot!.status).toEqual({
        textContent: 'If an account uses this address, a reset link is on its way. Check your e-mail.',
        className: 'status ok',
      });
      expect(mails.length - before).toBe(sent);
    }
  });
});

describe('reset page script against the real service', () => {
  it('checks the repeat, shows policy reasons, changes the password once, then calls the link used', async () => {
    await h.createUser('page-reset@example.com', PW);
    const token = await resetToken('page-reset@example.com');
    const page = await (await get(`/admin/reset-password?token=${token}`)).text();
    const submit = async (password: string, confirm = password) => {
      const run = runPageScript(page, h.base, {
        reset: { fields: { token: /name="token" value="([^"]*)"/.exec(page)![1]!, password, confirm } },
      });
      expect(run.replacedUrls).toEqual(['/page']); // the token leaves the address bar
      await run.forms.reset!.submit();
      return run;
    };

    const mismatch = await submit(NEW_PW, `${NEW_PW}!`);
    expect(mismatch.forms.reset!.status.textContent).toBe('The two passwords do not match.');
    expect(mismatch.responses).toHaveLength(0);

    expect((await submit('short')).forms.reset!.status.textContent).toBe('This password is too short: use at least 8 characters.');
    expect((await submit('password')).forms.reset!.status.textContent).toBe(
      'This password is too common. Choose one that is harder to guess.',
    );

    const ok = await submit(NEW_PW);
    expect(ok.responses.at(-1)!.status).toBe(204);
    expect(ok.forms.reset!.hidden).toBe(true);
    expect(ok.done.hidden).toBe(false);
    expect((await h.post('/auth/login', { email: 'page-reset@example.com', password: NEW_PW })).status).toBe(200);

    const reused = await submit('another good password 2');
    expect(reused.forms.reset!.status).toEqual({
      textContent: 'This reset link is invalid, has already been used or has expired. Ask for a new one from the sign-in page.',
      className: 'status error',
    });
  });

  it('never writes the reset token to a log line', async () => {
    await h.createUser('page-log@example.com', PW);
    const token = await resetToken('page-log@example.com');
    await get(`/admin/reset-password?token=${token}`);
    await h.post('/auth/password/reset', { token, password: 'short' });
    await h.post('/auth/password/reset', { token, password: NEW_PW });
    await h.post('/auth/password/reset', { token, password: NEW_PW }); // reused: INVALID_TOKEN
    expect(logLines.length).toBeGreaterThan(3); // trace logging is on: request lines were written
    expect(logLines.filter((l) => l.includes(token))).toEqual([]);
  });
});
