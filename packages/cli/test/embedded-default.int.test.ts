import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { json, onFreePorts, waitFor } from './helpers.js';

// `make run` in miniature: the real `gatehouse server` process on the embedded default
// (in-memory store and bus), driven over HTTP as a newcomer would, then stopped with SIGTERM.
describe('gatehouse server (embedded default, real process)', () => {
  let child: ChildProcess;
  let addrs: Record<string, string>;
  let stdout = '';
  const password = 'correct horse battery staple 42';

  beforeAll(async () => {
    ({ addrs, value: child } = await onFreePorts(async (a) => {
      stdout = '';
      const c = spawn(process.execPath, [resolve(process.cwd(), 'packages/cli/dist/src/main.js'), 'server'], {
        env: {
          PATH: process.env.PATH,
          ...a,
          GATEHOUSE_ADMIN_PASSWORD: password,
          GATEHOUSE_DATA_DIR: mkdtempSync(join(tmpdir(), 'gh-')),
          LOG_LEVEL: 'warn',
          LOGIN_STALL_TIME: '50ms',
          BCRYPT_COST: '8',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      c.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
      await waitFor(async () => {
        if (c.exitCode !== null) throw new Error(`exited: ${stdout}`);
        return (await fetch(`http://${a.PROXY_DEBUG_ADDR}/readyz`)).status === 200;
      }, 30_000).catch((err: unknown) => {
        c.kill('SIGKILL');
        // A port taken by a parallel test between choice and bind: onFreePorts chooses again.
        throw new Error(`runtime not ready: ${err instanceof Error ? err.message : String(err)}\n${stdout}`);
      });
      return c;
    }));
  }, 40_000);

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('says once that it uses the in-memory store and bus', () => {
    expect(stdout.match(/in-memory store\/bus/g)?.length).toBe(1);
  });

  it('ends its start-up with the banner: proxy and debug URLs, the admin, store and bus, the next command', async () => {
    await waitFor(async () => stdout.includes('Next, sign in'), 10_000);
    expect(stdout).toContain(`proxy            http://${addrs.PROXY_HTTP_ADDR}`);
    expect(stdout).toContain(`debug            http://${addrs.PROXY_DEBUG_ADDR}  (/healthz /readyz /metrics)`);
    expect(stdout).toContain('bootstrap admin  admin@example.com  (password from GATEHOUSE_ADMIN_PASSWORD)');
    expect(stdout).toMatch(/backed by +memory store, memory bus/);
    expect(stdout).toContain(`curl -s http://${addrs.PROXY_HTTP_ADDR}/whoami`);
    expect(stdout).not.toContain(password);
  });

  it('lets the bootstrap admin log in through the proxy and see itself at /whoami', async () => {
    const login = await fetch(`http://${addrs.PROXY_HTTP_ADDR}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.com', password }),
    });
    const body = await json(login);
    expect(login.status).toBe(200);
    expect(typeof body.data.access_token).toBe('string');
    const who = await fetch(`http://${addrs.PROXY_HTTP_ADDR}/whoami`, { headers: { authorization: `Bearer ${body.data.access_token}` } });
    const me = await json(who);
    expect(who.status).toBe(200);
    expect(me.data.identity.email).toBe('admin@example.com');
    expect(me.data.identity.roles).toContain('admin');
    expect(me.data.headers['x-user-email']).toBe('admin@example.com');
  });

  it('sends a browser to the login page, whose session login then opens /whoami', async () => {
    const base = `http://${addrs.PROXY_HTTP_ADDR}`;
    // What a browser sends when the user opens the URL (node's fetch would add sec-fetch-mode: cors).
    const nav = await new Promise<{ status: number; location: string | undefined }>((done, fail) =>
      get(
        `${base}/whoami`,
        { agent: false, headers: { accept: 'text/html,application/xhtml+xml', 'sec-fetch-mode': 'navigate' } },
        (res) => {
          res.resume();
          done({ status: res.statusCode ?? 0, location: res.headers.location });
        },
      ).on('error', fail),
    );
    expect(nav.status).toBe(302);
    const location = nav.location!;
    expect(location).toBe('/admin/login?redirect=%2Fwhoami');
    const page = await fetch(`${base}${location}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(await page.text()).toMatch(/<form/);
    // What the page's script does: a session-mode login, then back to the redirect target.
    const login = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.com', password, mode: 'session' }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers
      .getSetCookie()
      .find((c) => c.startsWith('gatehouse_session_token='))!
      .split(';')[0]!;
    const who = await fetch(`${base}/whoami`, { headers: { cookie, accept: 'text/html' } });
    expect(who.status).toBe(200);
    expect((await json(who)).data.identity.email).toBe('admin@example.com');
  });

  it('refuses /whoami without credentials', async () => {
    const res = await fetch(`http://${addrs.PROXY_HTTP_ADDR}/whoami`);
    expect(res.status).toBe(401);
  });

  it('drains and exits 0 on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 20_000);
});
