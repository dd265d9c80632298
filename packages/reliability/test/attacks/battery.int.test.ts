import { calculateJwkThumbprint, CompactSign, exportJWK, exportPKCS8, generateKeyPair, type CryptoKey } from 'jose';
import type { RunningRuntime } from '@gatehouse/cli';
import { basic, bearer, call, login } from '../../src/client.js';
import { bytes, rawExchange } from '../../src/raw-http.js';
import { startRecordingUpstream, type RecordingUpstream } from '../../src/recording-upstream.js';
import { startRuntime } from '../../src/runtime.js';

// The attack battery: every attack against Gatehouse's public entry with its exact input and the
// exact status and code expected. The cases held elsewhere are listed in README.md beside this file
// (catalog.test.ts keeps that list true). The whole runtime in one process, the real services
// behind the real proxy, the proxy's limits at their defaults except the two timeouts below.
const HEADERS_TIMEOUT_MS = 1000; // PROXY_HEADERS_TIMEOUT
const REQUEST_TIMEOUT_MS = 2000; // PROXY_REQUEST_TIMEOUT
const MAX_HEADER_BYTES = 16 * 1024; // PROXY_MAX_HEADER_BYTES default
// Node checks those timeouts every PROXY_HEADERS_TIMEOUT / 2 (capped at 1 s, services/proxy/src/app.ts).
const CHECK_INTERVAL_MS = HEADERS_TIMEOUT_MS / 2;

describe('attack battery (the public entry, end to end)', () => {
  let rt: RunningRuntime;
  let upstream: RecordingUpstream;
  let base: string;
  let port: number;
  let signingKey: CryptoKey;
  let kid: string;
  let userToken: string;
  const email = 'battery@example.com';
  // Chosen so that its standard Base64 holds both '+' and '/': its URL-safe spelling differs.
  const password = 'p>?>?~~~ long pass';

  /** Raw GET of /whoami on a fresh connection with extra header lines (CRLF added). */
  const rawGet = (lines: string[], waitMs = 3000) =>
    rawExchange(port, [`GET /whoami HTTP/1.1\r\nHost: battery\r\n${lines.map((l) => `${l}\r\n`).join('')}Connection: close\r\n\r\n`], {
      waitMs,
    });

  /** A token signed by auth-bearer's real signing key, its claims spelled out as raw JSON text. */
  const signRaw = (claimsJson: string) =>
    new CompactSign(Buffer.from(claimsJson)).setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' }).sign(signingKey);

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    // auth-bearer signs with a key the test holds (AUTH_BEARER_SIGNING_KEY), so the battery can send
    // tokens that are properly signed yet malformed in their claims.
    const pair = await generateKeyPair('ES256', { extractable: true });
    signingKey = pair.privateKey;
    kid = await calculateJwkThumbprint(await exportJWK(pair.publicKey));
    ({ rt, base, port } = await startRuntime({
      WHOAMI_HTTP_ENDPOINT: upstream.url,
      AUTH_BEARER_SIGNING_KEY: await exportPKCS8(pair.privateKey),
      GATEHOUSE_ADD_RUN_SERVICES: 'auth-app',
      PROXY_ENABLE_BASIC_AUTH: 'true',
      PROXY_ENABLE_APP_AUTH: 'true',
      PROXY_HEADERS_TIMEOUT: `${HEADERS_TIMEOUT_MS}ms`,
      PROXY_REQUEST_TIMEOUT: `${REQUEST_TIMEOUT_MS}ms`,
      GATEHOUSE_ADMIN_EMAIL: email,
      GATEHOUSE_ADMIN_PASSWORD: password,
    }));
    upstream.trust(`${base}/.well-known/gatehouse/jwks.json`);
    userToken = (await login(base, email, password)).access_token;
    expect((await call(`${base}/whoami`, { headers: bearer(userToken) })).status).toBe(200);
  }, 90_000);

  afterAll(async () => {
    await rt?.stop();
    await upstream?.close();
  });

  /** The upstream's request count, to prove a refused attack reached nothing. */
  const forwarded = () => upstream.seen.length;

  it('answers 431 HEADERS_TOO_LARGE to a 17 KiB Bearer token (over PROXY_MAX_HEADER_BYTES), forwarding nothing', async () => {
    const before = forwarded();
    const a = await rawGet([`Authorization: Bearer ${'a'.repeat(17 * 1024)}`]);
    expect(17 * 1024).toBeGreaterThan(MAX_HEADER_BYTES);
    expect([a.status, a.code]).toEqual([431, 'HEADERS_TOO_LARGE']);
    expect(forwarded()).toBe(before);
  });

  it('answers 401 INVALID_TOKEN to a token signed by the real key whose claims name sub twice', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await signRaw(
      `{"iss":"${base}","aud":"gatehouse","sub":"someone-else","jti":"j-dup","client_id":"gatehouse","iat":${now},"exp":${now + 300},"roles":["admin"],"sub":"${email}"}`,
    );
    const before = forwarded();
    const a = await call(`${base}/whoami`, { headers: bearer(token) });
    expect([a.status, a.code]).toEqual([401, 'INVALID_TOKEN']);
    expect(forwarded()).toBe(before);
    // The same claims without the duplicate pass: the refusal is for the duplicate alone.
    const clean = await signRaw(
      `{"iss":"${base}","aud":"gatehouse","sub":"x","jti":"j-ok","client_id":"gatehouse","iat":${now},"exp":${now + 300}}`,
    );
    expect((await call(`${base}/whoami`, { headers: bearer(clean) })).status).toBe(200);
  });

  it('strips an identity header spoofed after 1,500 filler headers: 200 with the proxy-signed identity only', async () => {
    const fillers = Array.from({ length: 1500 }, () => 'X-F: 1');
    const spoof = 'X-Gatehouse-Identity: eyJhbGciOiJub25lIn0.eyJzdWIiOiJyb290Iiwicm9sZXMiOlsiYWRtaW4iXX0.';
    const a = await rawGet([`Authorization: Bearer ${userToken}`, ...fillers, spoof, 'X-User-Id: root', 'X-User-Roles: admin']);
    expect(a.status).toBe(200);
    const seen = upstream.seen.at(-1)!;
    expect(seen.identity?.email).toBe(email);
    const values = seen.rawHeaders.filter((_, i) => i % 2 === 1);
    expect(values).not.toContain('root');
    expect(values.filter((v) => v.startsWith('eyJhbGciOiJub25lIn0'))).toEqual([]);
    // Without a credential the same request is refused before anything is forwarded.
    const before = forwarded();
    const anon = await rawGet([...fillers, spoof]);
    expect([anon.status, anon.code]).toEqual([401, 'UNAUTHENTICATED']);
    expect(forwarded()).toBe(before);
  });

  it('session takeover by a leaked upstream: it never receives the session cookie, so replaying its Cookie at POST /auth/refresh answers 400 INVALID_PAYLOAD', async () => {
    // A browser signs in in session mode: its session cookie is the session's refresh token.
    const signIn = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password, mode: 'session' }),
    });
    expect(signIn.status).toBe(200);
    const session = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .find((c) => c.startsWith('gatehouse_session_token='));
    expect(session).toBeDefined();
    const a = await call(`${base}/whoami`, { headers: { cookie: `theme=dark; ${session}` } });
    expect(a.status).toBe(200);
    const seen = upstream.seen.at(-1)!;
    // The proxy authenticated the browser with the cookie, and kept the cookie to itself.
    expect(seen.identity?.email).toBe(email);
    const received = seen.rawHeaders.filter((_, i) => i % 2 === 1 && seen.rawHeaders[i - 1]!.toLowerCase() === 'cookie');
    expect(received).toEqual(['theme=dark']);
    // The upstream (or whoever reads its access log) replays what it got, from a server, Origin and all.
    const replay = await call(`${base}/auth/refresh`, { json: { mode: 'session' }, headers: { cookie: received[0]!, origin: base } });
    expect([replay.status, replay.code]).toEqual([400, 'INVALID_PAYLOAD']);
  });

  it.each([
    ['an identity header folded onto Authorization (obs-fold)', [`Authorization: Bearer ${'T'}`, ' X-Gatehouse-Identity: forged']],
    ['a folded continuation of a spoofed identity header (obs-fold)', ['X-User-Id: user', '\troot']],
  ])('answers 400 INVALID_REQUEST to %s, forwarding nothing', async (_name, lines) => {
    const before = forwarded();
    const a = await rawGet(lines.map((l) => l.replace('Bearer T', `Bearer ${userToken}`)));
    expect([a.status, a.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(forwarded()).toBe(before);
  });

  it('answers 400 INVALID_REQUEST to header lines ended by a bare LF, forwarding nothing', async () => {
    const before = forwarded();
    const a = await rawExchange(port, [`GET /whoami HTTP/1.1\nHost: battery\nAuthorization: Bearer ${userToken}\nX-User-Id: root\n\n`]);
    expect([a.status, a.code]).toEqual([400, 'INVALID_REQUEST']);
    const mixed = await rawExchange(port, [
      `GET /whoami HTTP/1.1\r\nHost: battery\r\nAuthorization: Bearer ${userToken}\nX-User-Id: root\r\n\r\n`,
    ]);
    expect([mixed.status, mixed.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(forwarded()).toBe(before);
  });

  it('answers 400 INVALID_REQUEST to two Authorization headers (a valid one first), with a Bearer challenge', async () => {
    const before = forwarded();
    const a = await rawGet([`Authorization: Bearer ${userToken}`, 'Authorization: Basic YWRtaW46YWRtaW4=']);
    expect([a.status, a.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(a.raw).toMatch(/www-authenticate: Bearer/i);
    expect(forwarded()).toBe(before);
  });

  it('answers 401 INVALID_CREDENTIALS to Basic credentials in the URL-safe Base64 alphabet (- and _ for + and /)', async () => {
    const standard = Buffer.from(`${email}:${password}`).toString('base64');
    expect(standard).toMatch(/[+/]/);
    const urlSafe = standard.replace(/\+/g, '-').replace(/\//g, '_');
    const before = forwarded();
    const a = await call(`${base}/whoami`, { headers: { authorization: `Basic ${urlSafe}` } });
    expect([a.status, a.code]).toEqual([401, 'INVALID_CREDENTIALS']);
    expect(forwarded()).toBe(before);
    expect((await call(`${base}/whoami`, { headers: basic(email, password) })).status).toBe(200);
  });

  it.each([
    ['as a Bearer token', { authorization: `Bearer ghk_${'0'.repeat(32)}_${'s'.repeat(43)}` }],
    ['as a Basic password', basic(email, `ghk_${'0'.repeat(32)}_${'s'.repeat(43)}`)],
  ])(
    'answers 401 API_KEY_NOT_ACCEPTED to a raw API key presented %s (it must be exchanged first), asking no service',
    async (_how, headers) => {
      const before = forwarded();
      const a = await call(`${base}/whoami`, { headers });
      expect([a.status, a.code]).toEqual([401, 'API_KEY_NOT_ACCEPTED']);
      expect(forwarded()).toBe(before);
    },
  );

  it('closes a connection whose headers trickle at 1 byte/s (slowloris) within PROXY_HEADERS_TIMEOUT: 408 REQUEST_TIMEOUT', async () => {
    const a = await rawExchange(port, bytes(`GET /whoami HTTP/1.1\r\nHost: battery\r\nAuthorization: Bearer ${userToken}\r\n\r\n`), {
      gapMs: 1000,
      waitMs: HEADERS_TIMEOUT_MS * 5,
    });
    expect(a.closedAfterMs).toBeDefined();
    expect(a.closedAfterMs!).toBeLessThanOrEqual(HEADERS_TIMEOUT_MS + CHECK_INTERVAL_MS + 1000);
    expect([a.status, a.code]).toEqual([408, 'REQUEST_TIMEOUT']);
  }, 15_000);

  it('closes a connection whose body trickles at 1 byte/s within PROXY_REQUEST_TIMEOUT: 408 REQUEST_TIMEOUT', async () => {
    const head = `POST /auth/login HTTP/1.1\r\nHost: battery\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n`;
    const a = await rawExchange(port, [head, ...bytes('{"email":"battery@example.com","password":"')], {
      gapMs: 1000,
      waitMs: REQUEST_TIMEOUT_MS * 4,
    });
    expect(a.closedAfterMs).toBeDefined();
    expect(a.closedAfterMs!).toBeLessThanOrEqual(REQUEST_TIMEOUT_MS + CHECK_INTERVAL_MS + 1000);
    expect([a.status, a.code]).toEqual([408, 'REQUEST_TIMEOUT']);
  }, 15_000);
});
