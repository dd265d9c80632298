import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { chromium, type Browser } from 'playwright-core';
import { createLogger, createTokenClient, createUserClient } from '@gatehouse/shared';
import { startNats, startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { startAllInOne, type RunningRuntime } from '../src/index.js';
import { onFreePorts, waitFor } from './helpers.js';
import { CLIENT_SECRET, startSsoStack, type SsoStack } from './sso-helpers.js';

// `gatehouse login --no-browser` end to end, as a user runs it: the real command in its own process,
// a real headless Chromium (Debian's package; .ci/run installs it) following the printed URL and
// signing in, the loopback callback, then `gatehouse whoami`, `gatehouse apikeys` and `gatehouse logout` as that user.
// Once with the built-in IdP, once with an external oidc-provider named by AUTH_CLI_PROVIDER.
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available)
  console.warn(`CLI login browser test skipped: ${CHROMIUM} is missing (apt-get install -y --no-install-recommends chromium)`);
const describeWithBrowser = available ? describe : describe.skip;

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const PASSWORD = 'ada has a long password 1';

interface Cli {
  lines: string[];
  /** Resolves with the first output line matching `re`. */
  line(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Runs `gatehouse <args>` in a child process with only the environment given (no user settings leak in). */
function gatehouse(args: string[], env: Record<string, string>): Cli {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const lines: string[] = [];
  const watchers: Array<() => void> = [];
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString();
    lines.splice(0, lines.length, ...stdout.split('\n'));
    for (const w of watchers) w();
  });
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return {
    lines,
    done,
    line: (re, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line ${re} in: ${stdout}\n${stderr}`)), timeoutMs);
        const check = () => {
          for (const l of lines) {
            const m = re.exec(l);
            if (m) {
              clearTimeout(timer);
              return resolve(m);
            }
          }
        };
        watchers.push(check);
        void done.then(() => {
          check();
          reject(new Error(`gatehouse exited before ${re}: ${stdout}\n${stderr}`));
        });
        check();
      }),
  };
}

const mode = (p: string) => statSync(p).mode & 0o777;
/** Each test starts the CLI in child processes (about 1.5 s each) and drives Chromium: slow on a loaded machine. */
const SLOW = 90_000;

describeWithBrowser('gatehouse login in headless Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
  });

  /**
   * Runs `gatehouse login --no-browser`, lets `signIn` drive Chromium from the printed URL to the
   * loopback callback, and returns the command's result and the page the browser was left on.
   */
  async function loginWith(env: Record<string, string>, server: string[], signIn: (url: string) => Promise<void>) {
    const cli = gatehouse(['login', '--no-browser', ...server], env);
    const [, url] = (await cli.line(/^\s+(https?:\/\/\S+)$/)) as unknown as [string, string];
    const redirect = new URL(url).searchParams.get('redirect_uri')!;
    expect(redirect).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/auth\/callback$/);
    await cli.line(/^Waiting for the browser/);
    // A page slipping its own code into the listener (login CSRF) gets a 400 and changes nothing.
    const forged = await fetch(`${redirect}?code=attacker-code&state=not-the-state`);
    expect(forged.status).toBe(400);
    await signIn(url);
    const result = await cli.done;
    return { result, redirect };
  }

  describe('with the built-in IdP', () => {
    let redis: SpawnedServer;
    let nats: SpawnedServer;
    let rt: RunningRuntime;
    let addrs: Record<string, string>;
    let base: string;
    let env: Record<string, string>;
    let userId: string;

    beforeAll(async () => {
      [redis, nats] = await Promise.all([startRedis(), startNats()]);
      ({ addrs, value: rt } = await onFreePorts((a) =>
        startAllInOne(
          {
            ...a,
            PUBLIC_URL: `http://${a.PROXY_HTTP_ADDR}`,
            REDIS_URL: redis.url,
            NATS_URL: nats.url,
            GATEHOUSE_SECRET: 'cli-browser-test-secret-0123456789abcdef',
            GATEHOUSE_ADMIN_PASSWORD: 'admin password for tests 1',
            // `gatehouse apikeys` with the stored login.
            GATEHOUSE_ADD_RUN_SERVICES: 'auth-apikey',
            LOGIN_STALL_TIME: '20ms',
            BCRYPT_COST: '8',
            LOG_LEVEL: 'silent',
          },
          {
            logger: createLogger({ service: 'test', level: 'silent' }),
            print: () => undefined,
            dataDir: mkdtempSync(join(tmpdir(), 'gh-')),
          },
        ),
      ));
      await waitFor(async () => (await fetch(`http://${addrs.PROXY_DEBUG_ADDR}/readyz`)).status === 200);
      await waitFor(async () => (await fetch(`http://${addrs.AUTH_APIKEY_DEBUG_ADDR}/readyz`)).status === 200);
      base = `http://${addrs.PROXY_HTTP_ADDR}`;
      const users = createUserClient(addrs.AUTH_BASIC_GRPC_ADDR!);
      userId = (await users.CreateUser({ email: 'ada@example.com', password: PASSWORD, name: 'Ada Lovelace' })).id;
      users.close();
      const home = mkdtempSync(join(tmpdir(), 'gh-home-'));
      // The XDG default: $XDG_CONFIG_HOME/gatehouse, created by the command.
      env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), GATEHOUSE_SERVER: base, PROXY_GRPC_ENDPOINT: addrs.PROXY_GRPC_ADDR! };
    }, 60_000);

    afterAll(async () => {
      await rt?.stop();
      await Promise.all([redis?.stop(), nats?.stop()]);
    });

    const folder = () => join(env.XDG_CONFIG_HOME!, 'gatehouse');
    const file = () => join(folder(), 'login.json');
    const stored = () => JSON.parse(readFileSync(file(), 'utf8')) as Record<string, any>;

    async function signInAtBuiltinIdp(url: string) {
      const page = await browser.newPage();
      try {
        await page.goto(url);
        expect(new URL(page.url()).pathname).toMatch(/^\/oidc\/interaction\//);
        await page.fill('input[name="email"]', 'ada@example.com');
        await page.fill('input[name="password"]', PASSWORD);
        await Promise.all([page.waitForURL(/\/interaction\//), page.click('button[type="submit"]:has-text("Sign in")')]);
        await page.click('button[type="submit"]:has-text("Allow")');
        await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/api\/auth\/callback\?/);
        await expect(page.innerText('body')).resolves.toMatch(/Signed in to Gatehouse as ada@example.com\. You may close this window\./);
      } finally {
        await page.close();
      }
    }

    it(
      'signs in through the browser, stores the tokens 0600 in a 0700 folder, and whoami answers as that user',
      async () => {
        const { result } = await loginWith(env, [], signInAtBuiltinIdp);
        expect(result).toMatchObject({ code: 0, stderr: '' });
        expect(result.stdout).toMatch(/Sign in at http:\/\/127\.0\.0\.1:\d+\/oidc in your browser/);
        expect(result.stdout).toMatch(/Signed in as ada@example.com\./);
        expect(mode(folder())).toBe(0o700);
        expect(mode(file())).toBe(0o600);
        expect(stored()).toMatchObject({ server: base, issuer: `${base}/oidc`, refresh_token: expect.any(String) });

        const who = await gatehouse(['whoami'], env).done;
        expect(who).toMatchObject({ code: 0, stderr: '' });
        expect(who.stdout).toMatch(/^ada@example.com \(Ada Lovelace\)$/m);
        expect(who.stdout).toContain(`user id:  ${userId}`);
        expect(who.stdout).toMatch(/signed in with: pwd \(bearer\)/);
      },
      SLOW,
    );

    it(
      'gatehouse apikeys create and list act as the stored login with no token given, refreshing it first or after a refusal',
      async () => {
        const create = await gatehouse(['apikeys', 'create', '--name=laptop'], env).done;
        expect(create).toMatchObject({ code: 0, stderr: '' });
        const created = JSON.parse(create.stdout) as { uuid: string; status: string; authorizeURL: string };
        expect(created.status).toBe('KEY_STATUS_UNAUTHORIZED');
        expect(new URL(created.authorizeURL).searchParams.get('client_id')).toBe('gatehouse-apikey');

        // About to expire: refreshed before the call (RefreshCli rotates the pair), then listed as Ada.
        const before = stored();
        writeFileSync(file(), JSON.stringify({ ...before, expires_at: Date.now() + 20_000 }), { mode: 0o600 });
        const list = await gatehouse(['apikeys', 'list'], env).done;
        expect(list).toMatchObject({ code: 0, stderr: '' });
        expect(list.stdout).toMatch(new RegExp(`^${created.uuid}\\tlaptop\\tUNAUTHORIZED\\t`, 'm'));
        const refreshed = stored();
        expect(refreshed.access_token).not.toBe(before.access_token);
        expect(refreshed.refresh_token).not.toBe(before.refresh_token);

        // The proxy refuses the stored access token (here: damaged): refreshed once, and the call goes through.
        writeFileSync(file(), JSON.stringify({ ...refreshed, access_token: 'not.a.token' }), { mode: 0o600 });
        const again = await gatehouse(['apikeys', 'list'], env).done;
        expect(again).toMatchObject({ code: 0, stderr: '' });
        expect(again.stdout).toContain(created.uuid);
        expect(stored().access_token).not.toBe('not.a.token');

        // The stored token goes only to the gRPC entry it was issued through.
        const elsewhere = await gatehouse(['apikeys', 'list'], { ...env, PROXY_GRPC_ENDPOINT: '127.0.0.1:1' }).done;
        expect(elsewhere.code).not.toBe(0);
        expect(elsewhere.stderr).toMatch(/you are signed in through .* not 127\.0\.0\.1:1/);
      },
      SLOW,
    );

    it(
      'refreshes the stored token before it expires (and keeps the rotated refresh token)',
      async () => {
        const before = stored();
        writeFileSync(file(), JSON.stringify({ ...before, expires_at: Date.now() + 20_000 }), { mode: 0o600 });
        const who = await gatehouse(['whoami'], env).done;
        expect(who.code).toBe(0);
        const after = stored();
        expect(after.access_token).not.toBe(before.access_token);
        expect(after.refresh_token).not.toBe(before.refresh_token);
        expect(after.expires_at).toBeGreaterThan(Date.now() + 60_000);
        expect(decodeJwt(after.access_token as string).sid).toBe(decodeJwt(before.access_token as string).sid);
      },
      SLOW,
    );

    it(
      'says clearly that the user must sign in again when the session was ended elsewhere',
      async () => {
        const sid = decodeJwt(stored().access_token as string).sid as string;
        const tokens = createTokenClient(addrs.AUTH_BEARER_GRPC_ADDR!);
        await tokens.RevokeSession({ session_id: sid, reason: 'test' });
        tokens.close();
        writeFileSync(file(), JSON.stringify({ ...stored(), expires_at: Date.now() + 1000 }), { mode: 0o600 });
        const who = await gatehouse(['whoami'], env).done;
        expect(who.code).not.toBe(0);
        expect(who.stderr).toMatch(/your login has ended .*run `gatehouse login` to sign in again/);
        expect(existsSync(file())).toBe(false);
      },
      SLOW,
    );

    it(
      'a new login ends the session of the one it replaces',
      async () => {
        expect((await loginWith(env, [], signInAtBuiltinIdp)).result.code).toBe(0);
        const first = stored().access_token as string;
        expect((await loginWith(env, [], signInAtBuiltinIdp)).result.code).toBe(0);
        expect(stored().access_token).not.toBe(first);
        await waitFor(async () => (await fetch(`${base}/whoami`, { headers: { authorization: `Bearer ${first}` } })).status === 401, 5_000);
      },
      SLOW,
    );

    it(
      'logout ends the session at the server and deletes the stored login',
      async () => {
        const token = stored().access_token as string;
        expect((await fetch(`${base}/whoami`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
        const out = await gatehouse(['logout'], env).done;
        expect(out).toMatchObject({ code: 0, stdout: expect.stringMatching(/Signed out of/) });
        expect(existsSync(file())).toBe(false);
        await waitFor(async () => (await fetch(`${base}/whoami`, { headers: { authorization: `Bearer ${token}` } })).status === 401, 5_000);
        const who = await gatehouse(['whoami'], env).done;
        expect(who.code).not.toBe(0);
        expect(who.stderr).toMatch(/not signed in: run `gatehouse login` first/);
        const keys = await gatehouse(['apikeys', 'list'], env).done;
        expect(keys.code).not.toBe(0);
        expect(keys.stderr).toMatch(/not signed in: run `gatehouse login` \(or pass --token/);
      },
      SLOW,
    );
  });

  describe('with an external oidc-provider (AUTH_CLI_PROVIDER)', () => {
    let s: SsoStack;
    let env: Record<string, string>;

    beforeAll(async () => {
      s = await startSsoStack({
        providers: ['corp'],
        accounts: { grace: { email: 'grace@example.com', email_verified: true, name: 'Grace Hopper' } },
        cliLoopback: true,
        env: (issuer) => ({
          AUTH_CORP_DRIVER: 'openid',
          AUTH_CORP_CLIENT_ID: 'gatehouse',
          AUTH_CORP_CLIENT_SECRET: CLIENT_SECRET,
          AUTH_CORP_ISSUER_URL: issuer,
          AUTH_CORP_ALLOW_PUBLIC_REGISTRATION: 'true',
          AUTH_CLI_PROVIDER: 'corp',
        }),
      });
      const dir = mkdtempSync(join(tmpdir(), 'gh-cfg-'));
      env = { HOME: dir, GATEHOUSE_CONFIG_DIR: join(dir, 'gatehouse-login') };
    }, 60_000);

    afterAll(async () => {
      await s?.stop();
    });

    it(
      'signs in at the external IdP through the browser, and whoami answers as the mapped account',
      async () => {
        const server = [`--server=${s.base}`, `--grpc-server=${s.addrs.PROXY_GRPC_ADDR}`];
        const { result } = await loginWith(env, server, async (url) => {
          expect(new URL(url).origin).toBe(s.idp.issuer);
          const page = await browser.newPage();
          try {
            await page.goto(url);
            await page.fill('input[name="login"]', 'grace');
            await page.fill('input[name="password"]', 'any password');
            await Promise.all([page.waitForURL((u) => u.pathname.includes('/interaction/')), page.click('button[type="submit"]')]);
            // offline_access: the consent prompt (oidc-provider's development page).
            await page.click('button[type="submit"]');
            await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/api\/auth\/callback\?/);
            await expect(page.innerText('body')).resolves.toMatch(/Signed in to Gatehouse as grace@example.com/);
          } finally {
            await page.close();
          }
        });
        expect(result).toMatchObject({ code: 0, stderr: '' });
        expect(result.stdout).toContain(`Sign in at ${s.idp.issuer} in your browser`);
        expect(mode(env.GATEHOUSE_CONFIG_DIR!)).toBe(0o700);
        const who = await gatehouse(['whoami', '--json'], env).done;
        expect(who.code).toBe(0);
        expect(JSON.parse(who.stdout)).toMatchObject({
          email: 'grace@example.com',
          name: 'Grace Hopper',
          amr: ['oidc'],
          auth_method: 'bearer',
        });
      },
      SLOW,
    );
  });
});
