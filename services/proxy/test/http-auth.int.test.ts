import { request, type IncomingMessage } from 'node:http';
import { createIdentityVerifier, RemoteKeySource } from '@gatehouse/shared';
import { errorCode } from '@gatehouse/shared/testing';
import {
  mintToken,
  startAuthBackends,
  startJwks,
  startProxy,
  startUpstream,
  type AuthBackends,
  type ProxyUnderTest,
  type Upstream,
} from './harness.js';

type Jwks = Awaited<ReturnType<typeof startJwks>>;

describe('proxy HTTP entry: authentication chain, RFC 6750, identity to upstreams', () => {
  let jwks: Jwks;
  let upstream: Upstream;
  let backends: AuthBackends;
  let proxy: ProxyUnderTest;
  let bearerOnly: ProxyUnderTest;
  const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

  beforeAll(async () => {
    jwks = await startJwks();
    upstream = await startUpstream();
    backends = await startAuthBackends();
    proxy = await startProxy({
      jwksUrl: jwks.url,
      upstream: upstream.url,
      backends,
      env: { PROXY_ENABLE_APP_AUTH: 'true', PROXY_ENABLE_BASIC_AUTH: 'true' },
    });
    bearerOnly = await startProxy({ jwksUrl: jwks.url, upstream: upstream.url, backends });
  });
  afterAll(async () => {
    await proxy.stop();
    await bearerOnly.stop();
    await backends.stop();
    await upstream.close();
    await jwks.close();
  });

  const get = (p: ProxyUnderTest, path: string, headers: Record<string, string> = {}) =>
    fetch(`${p.url}${path}`, { headers, redirect: 'manual' });

  it('forwards a valid Bearer token with a signed identity the upstream can verify', async () => {
    const token = await mintToken(jwks.key, { sub: 'user-42', roles: ['user', 'editor'], sid: 'sid-42' });
    const res = await get(proxy, '/api/echo?x=1', { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    const seen = (await res.json()) as { url: string; headers: Record<string, string> };
    expect(seen.url).toBe('/api/echo?x=1');
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers['x-user-id']).toBe('user-42');
    expect(seen.headers['x-user-email']).toBe('ada@example.com');
    expect(seen.headers['x-user-roles']).toBe('user,editor');
    // The routes name the upstream by URL: that URL is the header's audience.
    const verify = createIdentityVerifier({
      keys: new RemoteKeySource({ url: `${proxy.url}/.well-known/gatehouse/jwks.json` }),
      audience: upstream.url,
    });
    const id = await verify(seen.headers['x-gatehouse-identity']!);
    expect(id).toMatchObject({
      sub: 'user-42',
      sid: 'sid-42',
      roles: ['user', 'editor'],
      auth_method: 'bearer',
      amr: ['pwd'],
      scopes: ['openid'],
    });
  });

  it('reuses the signed identity for the same principal and verifies the token once (cache)', async () => {
    const token = await mintToken(jwks.key, { sub: 'user-cache' });
    const a = (await (await get(proxy, '/api/echo', { authorization: `Bearer ${token}` })).json()) as { headers: Record<string, string> };
    const b = (await (await get(proxy, '/api/echo', { authorization: `Bearer ${token}` })).json()) as { headers: Record<string, string> };
    expect(a.headers['x-gatehouse-identity']).toBe(b.headers['x-gatehouse-identity']);
    const metrics = await (await fetch(`http://127.0.0.1:${proxy.debug}/metrics`)).text();
    expect(metrics).toMatch(/gatehouse_proxy_cache_lookups\{cache="bearer",result="hit"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/gatehouse_proxy_cache_entries\{cache="bearer"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/gatehouse_proxy_requests_total\{route="[^"]+",status="200",auth_method="bearer"/);
    expect(metrics).toContain('gatehouse_proxy_auth_decision_seconds_bucket');
  });

  it('signs one identity for every access token of a session: a new token of the same principal costs a verification, no signature', async () => {
    const echo = async (token: string) =>
      ((await (await get(proxy, '/api/echo', { authorization: `Bearer ${token}` })).json()) as { headers: Record<string, string> }).headers;
    const first = await mintToken(jwks.key, { sub: 'user-rot', sid: 'sid-rot', jti: 'jti-rot-1' });
    const refreshed = await mintToken(jwks.key, { sub: 'user-rot', sid: 'sid-rot', jti: 'jti-rot-2' });
    const a = (await echo(first))['x-gatehouse-identity']!;
    expect((await echo(refreshed))['x-gatehouse-identity']).toBe(a);
    // The header names no access token (the jti stays in the proxy, for RFC 7009 revocation).
    expect(JSON.parse(Buffer.from(a.split('.')[1]!, 'base64url').toString())).not.toHaveProperty('token_id');
    // Another session is another identity.
    const other = await mintToken(jwks.key, { sub: 'user-rot', sid: 'sid-rot-2' });
    expect((await echo(other))['x-gatehouse-identity']).not.toBe(a);
  });

  it('answers 401 without an error attribute when no credential is sent, one challenge per enabled scheme', async () => {
    const res = await get(proxy, '/api/echo');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse", Basic realm="gatehouse", charset="UTF-8"');
    expect(((await res.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    const only = await get(bearerOnly, '/api/echo');
    expect(only.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse"');
  });

  it.each([
    [
      'a token signed by an unknown key',
      async () => (await import('@gatehouse/shared/testing')).testKeyPair('ES256').then((k) => mintToken(k)),
      'INVALID_TOKEN',
    ],
    [
      'an expired token',
      () => mintToken(jwks.key, { expSec: Math.floor(Date.now() / 1000) - 120, iatSec: Math.floor(Date.now() / 1000) - 600 }),
      'TOKEN_EXPIRED',
    ],
    ['a token for another audience', () => mintToken(jwks.key, { aud: 'other' }), 'INVALID_TOKEN'],
    ['a token of another issuer', () => mintToken(jwks.key, { iss: 'https://evil.test' }), 'INVALID_TOKEN'],
    ['an ID token (typ JWT) used as an access token', () => mintToken(jwks.key, { typ: 'JWT' }), 'INVALID_TOKEN'],
    ['garbage', async () => 'not.a.jwt', 'INVALID_TOKEN'],
  ])('rejects %s with 401 invalid_token', async (_name, make, code) => {
    const res = await get(proxy, '/api/echo', { authorization: `Bearer ${await make()}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="gatehouse", error="invalid_token", error_description="[^"]+", Basic realm="gatehouse", charset="UTF-8"$/,
    );
    expect(((await res.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe(code);
  });

  it('rejects an HS256 token signed with the public key (algorithm confusion)', async () => {
    const { SignJWT } = await import('jose');
    const secret = new TextEncoder().encode(JSON.stringify(jwks.key.publicJwk));
    const forged = await new SignJWT({ scope: 'openid' })
      .setProtectedHeader({ alg: 'HS256', kid: jwks.key.kid, typ: 'at+jwt' })
      .setIssuer('https://gatehouse.test')
      .setAudience('gatehouse')
      .setSubject('admin')
      .setJti('j')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(secret);
    expect((await get(proxy, '/api/echo', { authorization: `Bearer ${forged}` })).status).toBe(401);
  });

  it('answers 403 insufficient_scope with the required scope', async () => {
    const token = await mintToken(jwks.key, { scope: 'openid' });
    const res = await get(proxy, '/reports/q1', { authorization: `Bearer ${token}` });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(res.headers.get('www-authenticate')).toContain('scope="reports:read"');
    const ok = await get(proxy, '/reports/q1', { authorization: `Bearer ${await mintToken(jwks.key, { scope: 'openid reports:read' })}` });
    expect(ok.status).toBe(200);
  });

  it('answers 403 FORBIDDEN when a required role is missing', async () => {
    const res = await get(proxy, '/admin/x', { authorization: `Bearer ${await mintToken(jwks.key, { roles: ['user'] })}` });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('FORBIDDEN');
    expect((await get(proxy, '/admin/x', { authorization: `Bearer ${await mintToken(jwks.key, { roles: ['admin'] })}` })).status).toBe(200);
  });

  it('refuses an access token in the query string with 400 invalid_request', async () => {
    const token = await mintToken(jwks.key);
    const res = await get(proxy, `/api/echo?access_token=${token}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_request"');
    const pub = await get(proxy, `/public/x?access_token=${token}`);
    expect(pub.status).toBe(400);
  });

  it('redirects a browser without a credential to the login page instead of a 401', async () => {
    // fetch() cannot send Sec-Fetch-Mode: navigate; a plain node request can.
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      request(
        `${proxy.url}/api/page?tab=2`,
        { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8', 'sec-fetch-mode': 'navigate' } },
        resolve,
      )
        .on('error', reject)
        .end(),
    );
    res.resume();
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('https://gatehouse.test/admin/login?redirect=%2Fapi%2Fpage%3Ftab%3D2');
    const xhr = await get(proxy, '/api/page', { accept: 'text/html', 'x-requested-with': 'XMLHttpRequest' });
    expect(xhr.status).toBe(401);
    const json = await get(proxy, '/api/page', { accept: 'application/json, text/html;q=0.5' });
    expect(json.status).toBe(401);
    const scripted = await get(proxy, '/api/page', { accept: 'text/html', 'sec-fetch-mode': 'cors' });
    expect(scripted.status).toBe(401);
  });

  it('forwards public routes without a credential, and without any identity', async () => {
    const res = await get(proxy, '/public/hello', { 'x-gatehouse-identity': 'forged', 'x-user-id': 'admin' });
    expect(res.status).toBe(200);
    const seen = (await res.json()) as { headers: Record<string, string> };
    expect(seen.headers['x-gatehouse-identity']).toBeUndefined();
    expect(seen.headers['x-user-id']).toBeUndefined();
  });

  it('authenticates Basic with an app token through auth-app and caches the success', async () => {
    const before = backends.calls.app ?? 0;
    const auth = basic('ada', 'ghapp_0123456789abcdef_goodgoodgoodgoodgoodgood');
    const res = await get(proxy, '/api/echo', { authorization: auth });
    expect(res.status).toBe(200);
    const seen = (await res.json()) as { headers: Record<string, string> };
    expect(seen.headers['x-user-id']).toBe('user-app');
    expect((await get(proxy, '/api/echo', { authorization: auth })).status).toBe(200);
    expect(backends.calls.app! - before).toBe(1);
    const bad = await get(proxy, '/api/echo', { authorization: basic('ada', 'ghapp_0123456789abcdef_badbadbadbadbadbadbadbad') });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse", Basic realm="gatehouse", charset="UTF-8"');
  });

  it('authenticates Basic with a password through auth-basic and never sends app tokens there', async () => {
    const res = await get(proxy, '/api/echo', { authorization: basic('ada@example.com', 'correct horse') });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { headers: Record<string, string> }).headers['x-user-id']).toBe('user-basic');
    expect((await get(proxy, '/api/echo', { authorization: basic('ada@example.com', 'wrong') })).status).toBe(401);
    const basicCalls = backends.calls.basic;
    await get(proxy, '/api/echo', { authorization: basic('ada', 'ghapp_0123456789abcdef_unknownunknownunknown12') });
    expect(backends.calls.basic).toBe(basicCalls);
  });

  it('refuses a raw API key as a Bearer token or a Basic password with API_KEY_NOT_ACCEPTED, and never sends it on', async () => {
    const key = `ghk_${'0123456789abcdef'.repeat(2)}_${'k'.repeat(43)}`;
    const before = { basic: backends.calls.basic ?? 0, app: backends.calls.app ?? 0 };
    upstream.last = undefined;
    const asBearer = await get(proxy, '/api/echo', { authorization: `Bearer ${key}` });
    expect(asBearer.status).toBe(401);
    expect(((await asBearer.json()) as any).errors[0].extensions.code).toBe('API_KEY_NOT_ACCEPTED');
    expect(asBearer.headers.get('www-authenticate')).toContain(
      'error="invalid_token", error_description="An API key is not an access token',
    );
    const asBasic = await get(proxy, '/api/echo', { authorization: basic('ada@example.com', key) });
    expect(((await asBasic.json()) as any).errors[0].extensions.code).toBe('API_KEY_NOT_ACCEPTED');
    expect(((await (await get(bearerOnly, '/api/echo', { authorization: `Bearer ${key}` })).json()) as any).errors[0].extensions.code).toBe(
      'API_KEY_NOT_ACCEPTED',
    );
    expect({ basic: backends.calls.basic ?? 0, app: backends.calls.app ?? 0 }).toEqual(before);
    expect(upstream.last).toBeUndefined();
  });

  it('ignores Basic credentials when basic and app auth are disabled (default)', async () => {
    const res = await get(bearerOnly, '/api/echo', { authorization: basic('ada@example.com', 'correct horse') });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse"');
  });

  it('authenticates the session cookie with auth-bearer GetSession', async () => {
    const res = await get(proxy, '/api/echo', { cookie: 'theme=dark; gatehouse_session_token=good-session-token' });
    expect(res.status).toBe(200);
    const seen = (await res.json()) as { headers: Record<string, string> };
    expect(seen.headers['x-user-id']).toBe('user-sess');
    expect((await get(proxy, '/api/echo', { cookie: 'gatehouse_session_token=stolen' })).status).toBe(401);
  });

  it('keeps an upstream 429 as 429, answers 503 + Retry-After for an upstream that refuses connections and 504 for a slow one', async () => {
    const token = await mintToken(jwks.key);
    const limited = await get(proxy, '/api/limited', { authorization: `Bearer ${token}` });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    const dead = await get(proxy, '/dead/x', { authorization: `Bearer ${token}` });
    expect(dead.status).toBe(503);
    expect(dead.headers.get('retry-after')).toBe('1');
    expect(await errorCode(dead)).toBe('SERVICE_UNAVAILABLE');
    const started = Date.now();
    const slow = await get(proxy, '/fast/slow', { authorization: `Bearer ${token}` });
    expect(slow.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('answers 404 and 405 for unrouted paths and methods', async () => {
    const nowhere = await get(proxy, '/nowhere');
    expect(nowhere.status).toBe(404);
    expect(((await nowhere.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe(
      'ROUTE_NOT_FOUND',
    );
    expect((await fetch(`${proxy.url}/readonly`, { method: 'POST', body: 'x' })).status).toBe(405);
    expect((await get(proxy, '/readonly')).status).toBe(200);
  });

  it('serves its identity JWKS', async () => {
    const res = await get(proxy, '/.well-known/gatehouse/jwks.json');
    const body = (await res.json()) as { keys: Array<Record<string, string>> };
    expect(body.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256', use: 'sig' });
    expect(body.keys[0]!.d).toBeUndefined();
  });
});

/** A proxy whose info-level log lines are captured in `lines`, torn down after `run`. */
async function withLoggedProxy(
  env: Record<string, string>,
  run: (s: {
    proxy: Awaited<ReturnType<typeof startProxy>>;
    jwks: Awaited<ReturnType<typeof startJwks>>;
    lines: string[];
  }) => Promise<void>,
): Promise<void> {
  const { Writable } = await import('node:stream');
  const { createLogger } = await import('@gatehouse/shared');
  const lines: string[] = [];
  const destination = new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) });
  const jwks = await startJwks();
  const upstream = await startUpstream();
  const backends = await startAuthBackends();
  const proxy = await startProxy({
    jwksUrl: jwks.url,
    upstream: upstream.url,
    backends,
    env,
    logger: createLogger({ service: 'proxy', level: 'info', destination }),
  });
  try {
    await run({ proxy, jwks, lines });
  } finally {
    await proxy.stop();
    await backends.stop();
    await upstream.close();
    await jwks.close();
  }
}

describe('proxy HTTP entry: decision log', () => {
  it('logs who, route, outcome and why, never the credential', async () => {
    await withLoggedProxy({ PROXY_ENABLE_BASIC_AUTH: 'true' }, async ({ proxy, jwks, lines }) => {
      const token = await mintToken(jwks.key, { sub: 'logged-user' });
      await fetch(`${proxy.url}/api/echo`, { headers: { authorization: `Bearer ${token}` } });
      const acted = await mintToken(jwks.key, { sub: 'acted-for', claims: { act: { sub: 'svc-reports' } } });
      await fetch(`${proxy.url}/api/echo`, { headers: { authorization: `Bearer ${acted}` } });
      await fetch(`${proxy.url}/api/echo`, {
        headers: { authorization: `Basic ${Buffer.from('ada@example.com:hunter2-secret').toString('base64')}` },
      });
      await fetch(`${proxy.url}/api/echo`, { headers: { cookie: 'gatehouse_session_token=good-session-token' } });
      const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      // Denials have their decision line; an allowed request's access line records who (one line a request).
      expect(records).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ msg: 'request', decision: 'allow', status: 200, sub: 'logged-user', auth_method: 'bearer' }),
          expect.objectContaining({ msg: 'request', decision: 'allow', status: 200, sub: 'acted-for', act: 'svc-reports' }),
          expect.objectContaining({ msg: 'access decision', decision: 'deny', code: 'INVALID_CREDENTIALS', auth_method: 'none' }),
        ]),
      );
      expect(records.filter((r) => r.msg === 'access decision' && r.decision === 'allow')).toEqual([]);
      const all = lines.join('\n');
      expect(all).not.toContain(token);
      expect(all).not.toContain(token.split('.')[2]!);
      expect(all).not.toContain('hunter2-secret');
      expect(all).not.toContain(Buffer.from('ada@example.com:hunter2-secret').toString('base64'));
      expect(all).not.toContain('good-session-token');
    });
  });
});

describe('proxy HTTP entry: decision log without the access log', () => {
  it('logs allowed requests as decisions at info when PROXY_ACCESS_LOG=false', async () => {
    await withLoggedProxy({ PROXY_ACCESS_LOG: 'false' }, async ({ proxy, jwks, lines }) => {
      const token = await mintToken(jwks.key, { sub: 'decided-user' });
      expect((await fetch(`${proxy.url}/api/echo`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ msg: 'access decision', decision: 'allow', sub: 'decided-user', auth_method: 'bearer' }),
        ]),
      );
      expect(records.filter((r) => r.msg === 'request')).toEqual([]);
    });
  });
});

describe('proxy HTTP entry: fail closed', () => {
  it('answers 503 with Retry-After when the auth service is down, and never forwards', async () => {
    const jwks = await startJwks();
    const upstream = await startUpstream();
    const backends = await startAuthBackends();
    const proxy = await startProxy({
      jwksUrl: jwks.url,
      upstream: upstream.url,
      backends,
      env: { PROXY_ENABLE_APP_AUTH: 'true', PROXY_ENABLE_BASIC_AUTH: 'true' },
    });
    try {
      await backends.stop();
      upstream.last = undefined;
      for (const auth of [
        `Basic ${Buffer.from('ada:ghapp_0123456789abcdef_goodgoodgoodgoodgoodgood').toString('base64')}`,
        `Basic ${Buffer.from('ada@example.com:correct horse').toString('base64')}`,
      ]) {
        const res = await fetch(`${proxy.url}/api/echo`, { headers: { authorization: auth } });
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('1');
      }
      const cookie = await fetch(`${proxy.url}/api/echo`, { headers: { cookie: 'gatehouse_session_token=good-session-token' } });
      expect(cookie.status).toBe(503);
      expect(upstream.last).toBeUndefined();
    } finally {
      await proxy.stop();
      await upstream.close();
      await jwks.close();
    }
  });

  it('answers 503 when the JWKS cannot be fetched', async () => {
    const jwks = await startJwks();
    const upstream = await startUpstream();
    const proxy = await startProxy({ jwksUrl: 'http://127.0.0.1:1/jwks.json', upstream: upstream.url });
    try {
      const res = await fetch(`${proxy.url}/api/echo`, { headers: { authorization: `Bearer ${await mintToken(jwks.key)}` } });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
    } finally {
      await proxy.stop();
      await upstream.close();
      await jwks.close();
    }
  });
});
