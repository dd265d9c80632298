import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactSign, exportJWK, exportSPKI, SignJWT, type JWTPayload } from 'jose';
import { GatehouseError } from '../errors.js';
import { FakeClock } from '../testing/fake-clock.js';
import { testKeyPair } from '../testing/keys.js';
import { RemoteKeySource, StaticKeySource } from './key-source.js';
import { createAccessTokenVerifier, type AccessTokenVerifier } from './verify-access-token.js';

const ISS = 'https://gh.test';
const AUD = 'gatehouse';
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

type Keys = Awaited<ReturnType<typeof testKeyPair>>;

/** A local HTTP server that only counts hits (and serves a JWKS when given one). */
async function countingServer(jwks?: unknown): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwks ?? { keys: [] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/jwks.json`, hits: () => hits, close: () => new Promise((r) => server.close(() => r())) };
}

describe('createAccessTokenVerifier: attack battery', () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const nowSec = () => Math.floor(clock.now() / 1000);
  let es: Keys;
  let rs: Keys;
  let verify: AccessTokenVerifier;

  const claims = (over: Record<string, unknown> = {}): JWTPayload => ({
    iss: ISS,
    aud: AUD,
    sub: 'u1',
    jti: 'j1',
    client_id: 'c1',
    scope: 'a b',
    iat: nowSec(),
    exp: nowSec() + 300,
    ...over,
  });
  const sign = (payload: JWTPayload, header: Record<string, unknown> = {}, key: Keys = es) =>
    new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header }).sign(key.privateKey);
  const rejects = async (token: string, code: 'INVALID_TOKEN' | 'TOKEN_EXPIRED' = 'INVALID_TOKEN') => {
    const err = await verify(token).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GatehouseError);
    expect((err as GatehouseError).code).toBe(code);
    return err as GatehouseError;
  };

  beforeAll(async () => {
    es = await testKeyPair('ES256');
    rs = await testKeyPair('RS256');
    verify = createAccessTokenVerifier({
      issuer: ISS,
      audience: AUD,
      keys: new StaticKeySource({ keys: [es.publicJwk, rs.publicJwk] }),
      clock,
    });
  });

  it('accepts a well-formed at+jwt (ES256 and RS256) and returns its claims', async () => {
    await expect(verify(await sign(claims()))).resolves.toMatchObject({ sub: 'u1', client_id: 'c1', scope: 'a b' });
    await expect(verify(await sign(claims(), {}, rs))).resolves.toMatchObject({ sub: 'u1' });
    await expect(verify(await sign(claims(), { typ: 'application/at+jwt' }))).resolves.toMatchObject({ sub: 'u1' });
  });

  it.each(['none', 'None', 'NONE', 'nOnE'])('rejects alg %s (unsigned token), with or without a signature', async (alg) => {
    const unsigned = `${b64({ alg, kid: es.kid, typ: 'at+jwt' })}.${b64(claims())}`;
    await rejects(`${unsigned}.`);
    await rejects(`${unsigned}.${b64('sig')}`);
  });

  it('rejects an HS256 token signed with the RS256 public key (algorithm confusion)', async () => {
    const spki = await exportSPKI(rs.publicKey);
    for (const secret of [Buffer.from(spki), Buffer.from(JSON.stringify(await exportJWK(rs.publicKey)))]) {
      const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: rs.kid, typ: 'at+jwt' }).sign(secret);
      const err = await rejects(forged);
      expect(err.detail).toMatch(/not allowed/);
    }
  });

  it('rejects a token signed by an unknown key under a known kid', async () => {
    const other = await testKeyPair('ES256');
    await rejects(await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: es.kid, typ: 'at+jwt' }).sign(other.privateKey));
  });

  it('rejects an unknown kid and a missing kid', async () => {
    await rejects(await sign(claims(), { kid: 'no-such-kid' }));
    await rejects(await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' }).sign(es.privateKey));
  });

  it('rejects an alg that is an object whose toString is not a function with INVALID_TOKEN, not a TypeError (fuzz seed -1453124906)', async () => {
    const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    await rejects(`${part({ alg: { toString: '' } })}.${part({})}.AA`);
  });

  it('rejects an RS256 key used with an ES256 header (a key verifies one algorithm only)', async () => {
    await rejects(await sign(claims(), { alg: 'ES256', kid: rs.kid }));
  });

  it.each(['exp', 'iat', 'iss', 'aud', 'sub', 'jti', 'client_id'])('rejects a token without %s', async (name) => {
    const c = claims();
    delete (c as Record<string, unknown>)[name];
    await rejects(await sign(c));
  });

  it('rejects claims of the wrong type (string exp, numeric sub, empty aud list)', async () => {
    await rejects(await sign(claims({ exp: String(nowSec() + 300) })));
    await rejects(await sign(claims({ sub: 42 })));
    await rejects(await sign(claims({ aud: [] })));
  });

  it('rejects an expired token with TOKEN_EXPIRED, past the 30 s skew only', async () => {
    await expect(verify(await sign(claims({ exp: nowSec() - 20 })))).resolves.toBeTruthy();
    await rejects(await sign(claims({ iat: nowSec() - 400, exp: nowSec() - 31 })), 'TOKEN_EXPIRED');
  });

  it('rejects nbf and iat in the future beyond the skew', async () => {
    await expect(verify(await sign(claims({ nbf: nowSec() + 20 })))).resolves.toBeTruthy();
    await rejects(await sign(claims({ nbf: nowSec() + 60 })));
    await rejects(await sign(claims({ iat: nowSec() + 60, exp: nowSec() + 600 })));
  });

  it('rejects a wrong iss, a wrong aud and a wrong typ', async () => {
    await rejects(await sign(claims({ iss: 'https://evil.test' })));
    await rejects(await sign(claims({ aud: 'someone-else' })));
    await rejects(await sign(claims(), { typ: 'JWT' }));
    await rejects(await sign(claims(), { typ: 'gatehouse-identity+jwt' }));
    await rejects(await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: es.kid }).sign(es.privateKey));
  });

  it('accepts an aud list that contains the audience', async () => {
    await expect(verify(await sign(claims({ aud: ['other', AUD] })))).resolves.toBeTruthy();
  });

  it('rejects jku, x5u and embedded jwk headers without making any outbound request', async () => {
    const attacker = await testKeyPair('ES256');
    const evil = await countingServer({ keys: [attacker.publicJwk] });
    const legit = await countingServer({ keys: [es.publicJwk] });
    try {
      const remote = new RemoteKeySource({ url: legit.url });
      const v = createAccessTokenVerifier({ issuer: ISS, audience: AUD, keys: remote, clock });
      await expect(v(await sign(claims()))).resolves.toBeTruthy();
      const legitHits = legit.hits();
      const attacks = [
        await new SignJWT(claims())
          .setProtectedHeader({ alg: 'ES256', kid: attacker.kid, typ: 'at+jwt', jku: evil.url })
          .sign(attacker.privateKey),
        await new SignJWT(claims())
          .setProtectedHeader({ alg: 'ES256', kid: es.kid, typ: 'at+jwt', jku: evil.url })
          .sign(attacker.privateKey),
        await new SignJWT(claims())
          .setProtectedHeader({ alg: 'ES256', kid: attacker.kid, typ: 'at+jwt', x5u: evil.url })
          .sign(attacker.privateKey),
        await new SignJWT(claims())
          .setProtectedHeader({ alg: 'ES256', kid: es.kid, typ: 'at+jwt', jwk: attacker.publicJwk })
          .sign(attacker.privateKey),
        await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', jwk: attacker.publicJwk }).sign(attacker.privateKey),
      ];
      for (const token of attacks) {
        await expect(v(token)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
      }
      expect(evil.hits()).toBe(0);
      // The known-kid attacks never trigger a refetch either (kid is only a lookup key).
      expect(legit.hits()).toBe(legitHits);
    } finally {
      await evil.close();
      await legit.close();
    }
  });

  it('rejects a 17 KiB token before decoding it', async () => {
    const big = await sign(claims({ pad: 'x'.repeat(17 * 1024) }));
    expect(big.length).toBeGreaterThan(17 * 1024);
    const err = await rejects(big);
    expect(err.detail).toMatch(/larger than 8192/);
    // Garbage of the same size is refused for its size, not for its content.
    expect((await rejects('!'.repeat(17 * 1024))).detail).toMatch(/larger than/);
  });

  it('rejects malformed compact serializations', async () => {
    const good = await sign(claims());
    const [h, p, s] = good.split('.') as [string, string, string];
    for (const bad of [
      '',
      'a',
      `${h}.${p}`,
      `${good}.`,
      `${h}.${p}.${s}.x`,
      `${h}=.${p}.${s}`,
      ` ${good}`,
      `${h}.${p}.${s}=`,
      `${b64('[1]')}.${p}.${s}`,
      `${b64('not json')}.${p}.${s}`,
    ]) {
      await rejects(bad);
    }
  });

  it('rejects a validly signed token whose claims name sub twice (first-wins and last-wins parsers disagree)', async () => {
    const payload = JSON.stringify(claims({ sub: 'ada' })).replace(/^\{/, '{"sub":"root",');
    const token = await new CompactSign(Buffer.from(payload))
      .setProtectedHeader({ alg: 'ES256', kid: es.kid, typ: 'at+jwt' })
      .sign(es.privateKey);
    expect((await rejects(token)).detail).toBe('claim sub appears twice');
    // The same name spelled with a JSON escape, and a duplicate inside a nested object.
    const escaped = JSON.stringify(claims()).replace(/^\{/, '{"s\\u0075b":"root",');
    const t2 = await new CompactSign(Buffer.from(escaped))
      .setProtectedHeader({ alg: 'ES256', kid: es.kid, typ: 'at+jwt' })
      .sign(es.privateKey);
    expect((await rejects(t2)).detail).toBe('claim sub appears twice');
    const nested = JSON.stringify(claims()).replace(/\}$/, ',"act":{"sub":"a","sub":"b"}}');
    const t3 = await new CompactSign(Buffer.from(nested))
      .setProtectedHeader({ alg: 'ES256', kid: es.kid, typ: 'at+jwt' })
      .sign(es.privateKey);
    expect((await rejects(t3)).detail).toBe('claim sub appears twice');
  });

  it('rejects a header naming alg twice, before any key is looked up', async () => {
    const good = await sign(claims());
    const [, p, s] = good.split('.') as [string, string, string];
    const header = `{"alg":"none","alg":"ES256","kid":"${es.kid}","typ":"at+jwt"}`;
    expect((await rejects(`${b64(header)}.${p}.${s}`)).detail).toBe('header member alg appears twice');
  });

  it('rejects crit extensions and a non-JSON payload', async () => {
    const crit = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES256', kid: es.kid, typ: 'at+jwt', crit: ['x-ext'], 'x-ext': 1 })
      .sign(es.privateKey, { crit: { 'x-ext': true } });
    await rejects(crit);
    const raw = `${b64({ alg: 'ES256', kid: es.kid, typ: 'at+jwt' })}.${b64('not json')}`;
    await rejects(`${raw}.${b64('x'.repeat(64))}`);
  });

  it('attack: random kids while the JWKS endpoint fails cause one fetch per cooldown, not one per token (refresh storm)', async () => {
    let calls = 0;
    let up = true;
    const fetchStub = (async () => {
      calls++;
      if (!up) throw new Error('connect ECONNREFUSED');
      return new Response(JSON.stringify({ keys: [es.publicJwk] }), { status: 200, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    const remote = new RemoteKeySource({ url: 'http://jwks.invalid/jwks.json', cooldownMs: 40, maxAgeMs: 40, fetch: fetchStub });
    const v = createAccessTokenVerifier({ issuer: ISS, audience: AUD, keys: remote, clock });
    await expect(v(await sign(claims()))).resolves.toBeTruthy();
    expect(calls).toBe(1);
    up = false;
    await new Promise((r) => setTimeout(r, 60)); // keys now older than maxAge and cooldown
    const attacker = await testKeyPair('ES256');
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      const forged = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'ES256', kid: `random-${i}`, typ: 'at+jwt' })
        .sign(attacker.privateKey);
      await expect(v(forged)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    }
    // Valid tokens keep verifying with the last keys, without a fetch each.
    for (let i = 0; i < 5; i++) await expect(v(await sign(claims()))).resolves.toBeTruthy();
    // At most one failing fetch per 40 ms cooldown over the time the 25 tokens took (a loaded CI
    // box may take several cooldowns), never one per token.
    const failedFetches = calls - 1;
    expect(failedFetches).toBeGreaterThanOrEqual(1);
    expect(failedFetches).toBeLessThanOrEqual(Math.floor((Date.now() - started) / 40) + 1);
    expect(failedFetches).toBeLessThan(25);
  });
});
