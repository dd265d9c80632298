import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import { SUBJECTS, StaticKeySource, createAccessTokenVerifier } from '@gatehouse/shared';
import { FakeClock } from '@gatehouse/shared/testing';
import { eventually, principal, startAuthBearer, startBackends, type Backends, type Running } from './harness.js';
import { codeOf } from '@gatehouse/shared/testing';

describe('auth-bearer signing keys and rotation (real Redis + NATS)', () => {
  let b: Backends;
  let app: Running;

  beforeAll(async () => {
    b = await startBackends();
    app = await startAuthBearer(b, { ACCESS_TOKEN_TTL: '15m', AUTH_BEARER_MINT_MAX_TTL: '15m', AUTH_BEARER_IMPERSONATION_TTL: '5m' });
  });
  afterAll(async () => {
    await app?.stop();
    await b?.stop();
  });

  const jwks = async (): Promise<JSONWebKeySet> => (await (await fetch(`${app.http}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
  const mint = async () =>
    (await app.grpc.MintAccessToken({ principal: principal('u-keys'), scopes: ['read'], audience: '', ttl_seconds: 900 })).access_token;

  it('publishes one ES256 public key with a kid, and the OpenID configuration', async () => {
    const set = await jwks();
    expect(set.keys).toHaveLength(1);
    expect(set.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) });
    expect(set.keys[0]).not.toHaveProperty('d');
    const conf = (await (await fetch(`${app.http}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(conf).toMatchObject({
      issuer: 'https://auth.example.test',
      jwks_uri: 'https://auth.example.test/.well-known/jwks.json',
      revocation_endpoint: 'https://auth.example.test/oauth/revoke',
      introspection_endpoint: 'https://auth.example.test/oauth/introspect',
    });
  });

  it('keeps the private key in the store only encrypted', async () => {
    const kid = (await jwks()).keys[0]!.kid!;
    const raw = (await app.store.get(`bearer:{keyring}:key:${kid}`))!;
    expect(raw).not.toMatch(/PRIVATE KEY/);
    expect(JSON.parse(raw).sealed).toMatch(/^v1\./);
  });

  it('tokens verify with the published JWKS through the shared verifier (what the proxy does)', async () => {
    const verify = createAccessTokenVerifier({
      issuer: 'https://auth.example.test',
      audience: 'gatehouse',
      keys: new StaticKeySource(await jwks()),
      clock: app.clock,
    });
    await expect(verify(await mint())).resolves.toMatchObject({ sub: 'u-keys', scope: 'read' });
  });

  it('a second instance on the same store signs with the same key (first key creation is race-free)', async () => {
    const [x, y] = await Promise.all([startAuthBearer(b, {}, { clock: app.clock }), startAuthBearer(b, {}, { clock: app.clock })]);
    try {
      const kids = async (r: Running) =>
        ((await (await fetch(`${r.http}/.well-known/jwks.json`)).json()) as JSONWebKeySet).keys.map((k) => k.kid);
      expect(await kids(x)).toEqual(await kids(app));
      expect(await kids(y)).toEqual(await kids(app));
    } finally {
      await Promise.all([x.stop(), y.stop()]);
    }
  });

  it('rotates: new tokens use the new key, old tokens verify until they expire, then the old key is dropped and rejected', async () => {
    const before = await mint();
    const oldKid = decodeProtectedHeader(before).kid!;
    const rotated = await app.grpc.RotateKeys({});
    expect(rotated.kid).not.toBe(oldKid);
    expect(rotated.published_kids.sort()).toEqual([oldKid, rotated.kid].sort());
    await eventually(() => app.events.find((e) => e.subject === SUBJECTS.keysRotated && e.payload.kid === rotated.kid));

    const after = await mint();
    expect(decodeProtectedHeader(after).kid).toBe(rotated.kid);
    expect((await jwks()).keys.map((k) => k.kid).sort()).toEqual([oldKid, rotated.kid].sort());
    await expect(app.grpc.VerifyToken({ token: before })).resolves.toBeTruthy();

    // 14 minutes later the old token is still valid and its key still published.
    app.clock.advance(14 * 60_000);
    await expect(app.grpc.VerifyToken({ token: before })).resolves.toBeTruthy();
    expect((await jwks()).keys.map((k) => k.kid)).toContain(oldKid);

    // Past the longest token lifetime + skew + cache: the old key is no longer published, and a
    // token it signed is rejected as INVALID_TOKEN (no key), not merely as expired.
    const withOldKey = await jwks();
    app.clock.advance(2 * 60_000);
    const withoutOldKey = await jwks();
    expect(withoutOldKey.keys.map((k) => k.kid)).toEqual([rotated.kid]);
    expect(await codeOf(app.grpc.VerifyToken({ token: before }))).toBe('INVALID_TOKEN');
    const atMintTime = new FakeClock(app.clock.now() - 16 * 60_000);
    const verifierWith = (set: JSONWebKeySet) =>
      createAccessTokenVerifier({
        issuer: 'https://auth.example.test',
        audience: 'gatehouse',
        keys: new StaticKeySource(set),
        clock: atMintTime,
      });
    await expect(verifierWith(withOldKey)(before)).resolves.toBeTruthy();
    await expect(verifierWith(withoutOldKey)(before)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    // After the next rotation the expired key is pruned from the store as well.
    const again = await app.grpc.RotateKeys({});
    expect(again.published_kids).not.toContain(oldKid);
    expect(await app.store.get(`bearer:{keyring}:key:${oldKid}`)).toBeNull();
    expect(await codeOf(app.grpc.VerifyToken({ token: after }))).toBe('TOKEN_EXPIRED');
    await expect(app.grpc.VerifyToken({ token: await mint() })).resolves.toBeTruthy();
  });

  it('rejects a token whose kid is unknown, and a forged token, with INVALID_TOKEN', async () => {
    const t = await mint();
    const [h, p, s] = t.split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
    const badKid = `${Buffer.from(JSON.stringify({ ...header, kid: 'nope' })).toString('base64url')}.${p}.${s}`;
    expect(await codeOf(app.grpc.VerifyToken({ token: badKid }))).toBe('INVALID_TOKEN');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url')}.${s}`;
    expect(await codeOf(app.grpc.VerifyToken({ token: forged }))).toBe('INVALID_TOKEN');
    expect(await codeOf(app.grpc.VerifyToken({ token: 'garbage' }))).toBe('INVALID_TOKEN');
    expect(await codeOf(app.grpc.VerifyToken({ token: t, audience: 'not-allowed' }))).toBe('INVALID_REQUEST');
  });

  it('caps MintAccessToken lifetimes', async () => {
    const res = await app.grpc.MintAccessToken({ principal: principal('u-cap'), scopes: [], audience: '', ttl_seconds: 10 * 24 * 3600 });
    expect(Number(res.expires_at_ms) - app.clock.now()).toBeLessThanOrEqual(15 * 60_000 + 1000);
  });

  it('mints a token from an API key with the api_key_id and api_key_gen claims, and only well-formed ones', async () => {
    const keyId = '0b9d2f8e-3c4a-4e5f-9a1b-2c3d4e5f6a7b';
    const res = await app.grpc.MintAccessToken({
      principal: { ...principal('u-apikey'), amr: ['apikey'] },
      scopes: ['read'],
      audience: '',
      ttl_seconds: 600,
      api_key_id: keyId,
      api_key_generation: 3,
    });
    const claims = JSON.parse(Buffer.from(res.access_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: 'u-apikey', amr: ['apikey'], scope: 'read', api_key_id: keyId, api_key_gen: 3 });
    expect(claims).not.toHaveProperty('sid');
    const plain = JSON.parse(Buffer.from((await mint()).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(plain).not.toHaveProperty('api_key_id');
    const bad = (api_key_id: string, api_key_generation: number) =>
      codeOf(
        app.grpc.MintAccessToken({
          principal: principal('u-apikey'),
          scopes: [],
          audience: '',
          ttl_seconds: 60,
          api_key_id,
          api_key_generation,
        }),
      );
    expect(await bad('not-a-uuid', 1)).toBe('INVALID_PAYLOAD');
    expect(await bad(keyId, 0)).toBe('INVALID_PAYLOAD');
  });

  it('signs with a PEM key from AUTH_BEARER_SIGNING_KEY_FILE and refuses rotation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bearer-key-'));
    const file = join(dir, 'key.pem');
    writeFileSync(file, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const fromFile = await startAuthBearer(b, { AUTH_BEARER_SIGNING_KEY_FILE: file }, { clock: new FakeClock(Date.now()) });
    try {
      const set = (await (await fetch(`${fromFile.http}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
      expect(set.keys).toHaveLength(1);
      const token = (await fromFile.grpc.MintAccessToken({ principal: principal('u-file'), scopes: [], audience: '', ttl_seconds: 60 }))
        .access_token;
      expect(decodeProtectedHeader(token).kid).toBe(set.keys[0]!.kid);
      await expect(fromFile.grpc.VerifyToken({ token })).resolves.toBeTruthy();
      expect(await codeOf(fromFile.grpc.RotateKeys({}))).toBe('INVALID_REQUEST');
    } finally {
      await fromFile.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['RS256', 'EdDSA'])('issues %s tokens when configured', async (alg) => {
    const other = await startBackends();
    const r = await startAuthBearer(other, { AUTH_BEARER_SIGNING_ALG: alg });
    try {
      const token = (await r.grpc.MintAccessToken({ principal: principal('u-alg'), scopes: [], audience: '', ttl_seconds: 60 }))
        .access_token;
      expect(decodeProtectedHeader(token).alg).toBe(alg);
      await expect(r.grpc.VerifyToken({ token })).resolves.toBeTruthy();
    } finally {
      await r.stop();
      await other.stop();
    }
  });
});
