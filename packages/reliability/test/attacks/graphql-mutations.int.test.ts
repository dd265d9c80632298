import type { RunningRuntime } from '@gatehouse/cli';
import { call } from '../../src/client.js';
import { startRuntime } from '../../src/runtime.js';

// Issue 10 item 11: one GraphQL request holding hundreds of aliased auth_login mutations (each
// stalled), still running after the client has gone. The whole runtime: the real proxy in front of
// the real auth-basic. The cap is raised to 50 here so that the disconnect case has work to stop.
const STALL_MS = 200;
const CAP = 50;
const IP_FREE = 5;

describe('attack: aliased auth mutations in one GraphQL request (issue 10 item 11)', () => {
  let rt: RunningRuntime;
  let base: string;
  const user = { email: 'gql@example.com', password: 'gql password 0123' };
  const badLogins = (n: number) =>
    `mutation { ${Array.from({ length: n }, (_, i) => `l${i}: auth_login(email: "nobody-${i}@example.com", password: "wrong password 0123") { expires }`).join(' ')} }`;

  beforeAll(async () => {
    ({ rt, base } = await startRuntime({
      GATEHOUSE_ADMIN_EMAIL: user.email,
      GATEHOUSE_ADMIN_PASSWORD: user.password,
      LOGIN_STALL_TIME: `${STALL_MS}ms`,
      LOGIN_IP_FREE_ATTEMPTS: String(IP_FREE),
      AUTH_BASIC_GRAPHQL_MAX_MUTATIONS: String(CAP),
    }));
  }, 90_000);

  afterAll(async () => {
    await rt?.stop();
  });

  it('refuses 300 aliased auth_login in one request with 400 TOO_MANY_MUTATIONS before running any', async () => {
    const a = await call(`${base}/graphql/system`, { json: { query: badLogins(300) } });
    expect([a.status, a.code]).toEqual([400, 'TOO_MANY_MUTATIONS']);
    // None ran: the address has no failure counted, the user logs in at once.
    expect((await call(`${base}/auth/login`, { json: user })).status).toBe(200);
  });

  it('stops the mutations not yet started when the client disconnects', async () => {
    const ac = new AbortController();
    const pending = fetch(`${base}/graphql/system`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: badLogins(CAP) }),
      signal: ac.signal,
    }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, STALL_MS * 2.5));
    ac.abort();
    await pending;
    // Had the 50 logins (10 s of work) gone on, this address would be far past its free failures.
    await new Promise((r) => setTimeout(r, STALL_MS * (IP_FREE + 8)));
    const ok = await call(`${base}/auth/login`, { json: user });
    expect([ok.status, ok.code]).toEqual([200, undefined]);
  });
});
