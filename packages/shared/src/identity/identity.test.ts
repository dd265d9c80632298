import express from 'express';
import { SignJWT, base64url } from 'jose';
import { createLogger } from '../logger.js';
import { errorMiddleware } from '../http/errors-middleware.js';
import { listenHttp, type HttpListener } from '../http/http-app.js';
import { StaticKeySource } from '../jwt/key-source.js';
import { FakeClock } from '../testing/fake-clock.js';
import { testKeyPair } from '../testing/keys.js';
import { IDENTITY_HEADER, IDENTITY_ISSUER, IDENTITY_TYP, createIdentityVerifier, signIdentity, type Identity } from './identity-token.js';
import { requireIdentity } from './require-identity.js';
import { codeOf } from '../testing/code-of.js';

type KeyPair = Awaited<ReturnType<typeof testKeyPair>>;

const alice: Identity = {
  sub: 'user-1',
  email: 'alice@example.com',
  roles: ['user'],
  groups: [],
  scopes: ['openid'],
  amr: ['pwd'],
  auth_method: 'bearer',
  sid: 's-1',
};

/** The upstream these tests play: headers signed for it pass, for any other upstream fail. */
const AUD = 'auth-app';

describe('identity header (X-Gatehouse-Identity)', () => {
  let proxyKey: KeyPair;
  let otherKey: KeyPair;
  let clock: FakeClock;
  let verify: (token: string) => ReturnType<ReturnType<typeof createIdentityVerifier>>;

  beforeAll(async () => {
    proxyKey = await testKeyPair('ES256');
    otherKey = await testKeyPair('ES256');
    clock = new FakeClock();
    verify = createIdentityVerifier({ keys: new StaticKeySource({ keys: [proxyKey.publicJwk] }), clock, audience: AUD });
  });

  it('round-trips: what the proxy signs, an upstream verifies', async () => {
    const token = await signIdentity(alice, proxyKey, 60, clock, AUD);
    const claims = await verify(token);
    expect(claims).toMatchObject({ ...alice, iss: IDENTITY_ISSUER, aud: AUD });
    expect(claims.exp - claims.iat).toBe(60);
    expect(typeof claims.jti).toBe('string');
  });

  it('rejects a token signed by another key that claims the proxy kid', async () => {
    const forged = await signIdentity(alice, { ...otherKey, kid: proxyKey.kid }, 60, clock, AUD);
    expect(await codeOf(verify(forged))).toBe('UNAUTHENTICATED');
  });

  it('rejects an unknown kid', async () => {
    expect(await codeOf(verify(await signIdentity(alice, otherKey, 60, clock, AUD)))).toBe('UNAUTHENTICATED');
  });

  it('rejects an access token (wrong typ) even when signed with the proxy key', async () => {
    const now = Math.floor(clock.now() / 1000);
    const jwt = await new SignJWT({ ...alice })
      .setProtectedHeader({ alg: 'ES256', kid: proxyKey.kid, typ: 'at+jwt' })
      .setIssuer(IDENTITY_ISSUER)
      .setAudience(AUD)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(proxyKey.privateKey);
    expect(await codeOf(verify(jwt))).toBe('UNAUTHENTICATED');
  });

  it('rejects the wrong audience or issuer', async () => {
    const now = Math.floor(clock.now() / 1000);
    const make = (iss: string, aud: string) =>
      new SignJWT({ ...alice })
        .setProtectedHeader({ alg: 'ES256', kid: proxyKey.kid, typ: IDENTITY_TYP })
        .setIssuer(iss)
        .setAudience(aud)
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(proxyKey.privateKey);
    expect(await codeOf(verify(await make(IDENTITY_ISSUER, 'gatehouse')))).toBe('UNAUTHENTICATED');
    expect(await codeOf(verify(await make('someone-else', AUD)))).toBe('UNAUTHENTICATED');
  });

  it('rejects a header the proxy signed for another upstream (replay between upstreams)', async () => {
    const forWhoami = await signIdentity(alice, proxyKey, 30, clock, 'whoami');
    await expect(verify(forWhoami)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(verify(await signIdentity(alice, proxyKey, 30, clock, AUD))).resolves.toMatchObject({ aud: AUD });
  });

  it('needs an audience on both sides (no header valid everywhere)', async () => {
    await expect(signIdentity(alice, proxyKey, 30, clock, '')).rejects.toThrow(/audience/);
    expect(() => createIdentityVerifier({ keys: new StaticKeySource({ keys: [proxyKey.publicJwk] }), audience: '' })).toThrow(/audience/);
  });

  it('rejects an expired token (beyond the clock skew) and accepts within it', async () => {
    const token = await signIdentity(alice, proxyKey, 30, clock, AUD);
    const later = new FakeClock(clock.now() + 34_000);
    await expect(
      createIdentityVerifier({ keys: new StaticKeySource({ keys: [proxyKey.publicJwk] }), clock: later, audience: AUD })(token),
    ).resolves.toMatchObject({ sub: 'user-1' });
    later.advance(2_000);
    expect(
      await codeOf(
        createIdentityVerifier({ keys: new StaticKeySource({ keys: [proxyKey.publicJwk] }), clock: later, audience: AUD })(token),
      ),
    ).toBe('UNAUTHENTICATED');
  });

  it('rejects alg "none" (unsigned token with the proxy kid)', async () => {
    const now = Math.floor(clock.now() / 1000);
    const header = base64url.encode(JSON.stringify({ alg: 'none', kid: proxyKey.kid, typ: IDENTITY_TYP }));
    const payload = base64url.encode(JSON.stringify({ ...alice, iss: IDENTITY_ISSUER, aud: AUD, iat: now, exp: now + 60, jti: 'x' }));
    expect(await codeOf(verify(`${header}.${payload}.`))).toBe('UNAUTHENTICATED');
  });

  it('rejects a token whose signature was stripped or whose payload was altered', async () => {
    const token = await signIdentity(alice, proxyKey, 60, clock, AUD);
    const [h, , s] = token.split('.');
    const admin = base64url.encode(JSON.stringify({ ...alice, roles: ['admin'] }));
    expect(await codeOf(verify(`${h}.${admin}.${s}`))).toBe('UNAUTHENTICATED');
    expect(await codeOf(verify(token.slice(0, token.lastIndexOf('.') + 1)))).toBe('UNAUTHENTICATED');
  });

  it('rejects empty, garbage and oversized input', async () => {
    expect(await codeOf(verify(''))).toBe('UNAUTHENTICATED');
    expect(await codeOf(verify('not.a.jwt'))).toBe('UNAUTHENTICATED');
    expect(await codeOf(verify('a'.repeat(20_000)))).toBe('UNAUTHENTICATED');
  });

  describe('requireIdentity middleware', () => {
    let srv: HttpListener;
    const url = () => `http://127.0.0.1:${srv.port}`;
    beforeAll(async () => {
      const logger = createLogger({ service: 'id-test', level: 'silent' });
      const app = express();
      app.get('/me', requireIdentity(verify), (req, res) => {
        res.json({ sub: req.identity?.sub });
      });
      app.get('/admin', requireIdentity(verify, { roles: ['admin'] }), (_req, res) => {
        res.json({ ok: true });
      });
      app.use(errorMiddleware(logger));
      srv = await listenHttp(app, '127.0.0.1:0');
    });
    afterAll(async () => srv.close());

    const call = async (path: string, token?: string) => {
      const r = await fetch(`${url()}${path}`, { headers: token ? { [IDENTITY_HEADER]: token } : {} });
      return { status: r.status, body: (await r.json()) as { sub?: string; errors?: Array<{ extensions: { code: string } }> } };
    };

    it('answers 401 UNAUTHENTICATED without the header', async () => {
      const r = await call('/me');
      expect(r.status).toBe(401);
      expect(r.body.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    });

    it('answers 401 for a forged header', async () => {
      const r = await call('/me', await signIdentity(alice, { ...otherKey, kid: proxyKey.kid }, 60, clock, AUD));
      expect(r.status).toBe(401);
    });

    it('puts the verified caller on req.identity', async () => {
      const r = await call('/me', await signIdentity(alice, proxyKey, 60, clock, AUD));
      expect(r).toEqual({ status: 200, body: { sub: 'user-1' } });
    });

    it('answers 403 FORBIDDEN when the required role is missing, 200 when present', async () => {
      const denied = await call('/admin', await signIdentity(alice, proxyKey, 60, clock, AUD));
      expect(denied.status).toBe(403);
      expect(denied.body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
      const ok = await call('/admin', await signIdentity({ ...alice, roles: ['admin'] }, proxyKey, 60, clock, AUD));
      expect(ok.status).toBe(200);
    });
  });
});
