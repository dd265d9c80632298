import { IDENTITY_HEADER } from '@gatehouse/shared';
import type { RunningRuntime } from '@gatehouse/cli';
import { bearer, call, login } from '../../src/client.js';
import { startHeaderTap, type HeaderTap } from '../../src/header-tap.js';
import { startRecordingUpstream, type RecordingUpstream } from '../../src/recording-upstream.js';
import { startRuntime } from '../../src/runtime.js';

// Issue 10 item 4: the identity header an upstream receives is bound to that upstream (aud = the
// route's upstream name) and short-lived. A leaked or malicious upstream (here the recording
// upstream behind /whoami) replays what it got straight to the services' HTTP ports; a tap in
// front of auth-basic keeps the headers the proxy sends there (a log, a sidecar) and replays them
// after their lifetime. The whole runtime in one process: real proxy, real services.
const IDENTITY_TTL_S = 2; // PROXY_IDENTITY_TTL for this run
const CLOCK_SKEW_S = 5; // the services' tolerance on exp (createIdentityVerifier)

describe('identity header replay (issue 10 item 4)', () => {
  let rt: RunningRuntime;
  let upstream: RecordingUpstream;
  let tap: HeaderTap;
  let base: string;
  let addrs: Record<string, string>;
  let admin: string;
  const email = 'replay-admin@example.com';
  const password = 'replay admin password 123';

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    tap = await startHeaderTap();
    ({ rt, base, addrs } = await startRuntime({
      WHOAMI_HTTP_ENDPOINT: upstream.url,
      // The proxy reaches auth-basic through the tap.
      AUTH_BASIC_HTTP_ENDPOINT: tap.url,
      GATEHOUSE_ADD_RUN_SERVICES: 'auth-app',
      PROXY_IDENTITY_TTL: `${IDENTITY_TTL_S}s`,
      GATEHOUSE_ADMIN_EMAIL: email,
      GATEHOUSE_ADMIN_PASSWORD: password,
    }));
    tap.target = `http://${addrs.AUTH_BASIC_HTTP_ADDR}`;
    upstream.trust(`${base}/.well-known/gatehouse/jwks.json`);
    admin = (await login(base, email, password)).access_token;
  }, 90_000);

  afterAll(async () => {
    await rt?.stop();
    await upstream?.close();
    await tap?.close();
  });

  /** The identity header the recording upstream (route upstream `whoami`) got for the admin. */
  const capturedAtWhoami = async (): Promise<string> => {
    expect((await call(`${base}/whoami`, { headers: bearer(admin) })).status).toBe(200);
    const raw = upstream.seen.at(-1)!.rawHeaders;
    const i = raw.findIndex((h, n) => n % 2 === 0 && h.toLowerCase() === IDENTITY_HEADER);
    expect(i).toBeGreaterThanOrEqual(0);
    return raw[i + 1]!;
  };
  /** The identity header the proxy sent auth-basic for the admin's GET /users/me (kept by the tap). */
  const capturedAtAuthBasic = async (): Promise<string> => {
    expect((await call(`${base}/users/me`, { headers: bearer(admin) })).status).toBe(200);
    return tap.identities.at(-1)!;
  };
  const direct = (addr: string, path: string, identity: string) =>
    call(`http://${addr}${path}`, { headers: { [IDENTITY_HEADER]: identity } });

  it('attack: an identity header captured by upstream A (whoami) replayed to auth-app and auth-basic HTTP ports is 401 UNAUTHENTICATED', async () => {
    const stolen = await capturedAtWhoami();
    // Fresh, the proxy's own signature, an admin: only its audience is wrong.
    expect(JSON.parse(Buffer.from(stolen.split('.')[1]!, 'base64url').toString())).toMatchObject({ aud: 'whoami', roles: ['admin'] });
    const atApp = await direct(addrs.AUTH_APP_HTTP_ADDR!, '/auth-app/tokens', stolen);
    expect([atApp.status, atApp.code]).toEqual([401, 'UNAUTHENTICATED']);
    const atUsers = await direct(addrs.AUTH_BASIC_HTTP_ADDR!, '/users', stolen);
    expect([atUsers.status, atUsers.code]).toEqual([401, 'UNAUTHENTICATED']);
    const atMe = await direct(addrs.AUTH_BASIC_HTTP_ADDR!, '/users/me', stolen);
    expect([atMe.status, atMe.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('attack: a header signed for auth-basic replayed to auth-app is 401 UNAUTHENTICATED (each service accepts only its own audience)', async () => {
    const forBasic = await capturedAtAuthBasic();
    // The same header is good where it was meant to go (within its lifetime)...
    expect((await direct(addrs.AUTH_BASIC_HTTP_ADDR!, '/users/me', forBasic)).status).toBe(200);
    // ...and nowhere else.
    const atApp = await direct(addrs.AUTH_APP_HTTP_ADDR!, '/auth-app/tokens', forBasic);
    expect([atApp.status, atApp.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('attack: an identity header replayed after its lifetime (PROXY_IDENTITY_TTL + clock skew) is 401 UNAUTHENTICATED', async () => {
    const kept = await capturedAtAuthBasic();
    const { exp } = JSON.parse(Buffer.from(kept.split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number };
    expect((await direct(addrs.AUTH_BASIC_HTTP_ADDR!, '/users', kept)).status).toBe(200);
    const wait = (exp + CLOCK_SKEW_S + 1) * 1000 - Date.now();
    expect(wait).toBeLessThanOrEqual((IDENTITY_TTL_S + CLOCK_SKEW_S + 1) * 1000);
    await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    const late = await direct(addrs.AUTH_BASIC_HTTP_ADDR!, '/users', kept);
    expect([late.status, late.code]).toEqual([401, 'UNAUTHENTICATED']);
    // The proxy meanwhile signs a fresh one: the admin's own requests go on.
    expect((await call(`${base}/users/me`, { headers: bearer(admin) })).status).toBe(200);
  }, 20_000);
});
