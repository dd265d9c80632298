import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, type JWK } from 'jose';
import { createIdentityVerifier, StaticKeySource } from '@gatehouse/shared';
import { mintToken, startJwks, startProxy, startUpstream, type Upstream } from './harness.js';

type Jwks = Awaited<ReturnType<typeof startJwks>>;

describe('proxy identity signing key from PROXY_IDENTITY_KEY_FILE', () => {
  let dir: string;
  let jwks: Jwks;
  let upstream: Upstream;
  let publicJwk: JWK;
  let keyFile: string;
  let otherKeyFile: string;

  beforeAll(async () => {
    // Generated at test start; no private key is committed.
    dir = mkdtempSync(join(tmpdir(), 'gh-proxy-key-'));
    const pair = await generateKeyPair('ES256', { extractable: true });
    publicJwk = await exportJWK(pair.publicKey);
    keyFile = join(dir, 'identity.pem');
    writeFileSync(keyFile, await exportPKCS8(pair.privateKey), { mode: 0o600 });
    const other = await generateKeyPair('ES256', { extractable: true });
    otherKeyFile = join(dir, 'other.pem');
    writeFileSync(otherKeyFile, await exportPKCS8(other.privateKey), { mode: 0o600 });
    jwks = await startJwks();
    upstream = await startUpstream();
  });
  afterAll(async () => {
    await upstream.close();
    await jwks.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes the configured key (its thumbprint as kid, no private part) and signs identities with it', async () => {
    const proxy = await startProxy({ jwksUrl: jwks.url, upstream: upstream.url, env: { PROXY_IDENTITY_KEY_FILE: keyFile } });
    try {
      const published = (await (await fetch(`${proxy.url}/.well-known/gatehouse/jwks.json`)).json()) as { keys: JWK[] };
      const kid = await calculateJwkThumbprint(publicJwk);
      expect(published.keys).toHaveLength(1);
      expect(published.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', x: publicJwk.x, y: publicJwk.y, kid, alg: 'ES256', use: 'sig' });
      expect(published.keys[0]!.d).toBeUndefined();

      const res = await fetch(`${proxy.url}/api/echo`, {
        headers: { authorization: `Bearer ${await mintToken(jwks.key, { sub: 'keyed-user' })}` },
      });
      expect(res.status).toBe(200);
      const header = String(((await res.json()) as { headers: Record<string, string> }).headers['x-gatehouse-identity']);
      // An upstream that knows only the configured public key (not the proxy's JWKS) accepts it.
      const verify = createIdentityVerifier({
        keys: new StaticKeySource({ keys: [{ ...publicJwk, kid, alg: 'ES256', use: 'sig' }] }),
        audience: upstream.url,
      });
      expect(await verify(header)).toMatchObject({ sub: 'keyed-user', auth_method: 'bearer' });
      expect(JSON.parse(Buffer.from(header.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>).toMatchObject({
        kid,
        alg: 'ES256',
      });
    } finally {
      await proxy.stop();
    }
  });

  it('keeps its identity across restarts with the same file, and a different file gives headers the first key rejects', async () => {
    const kid = await calculateJwkThumbprint(publicJwk);
    const verify = createIdentityVerifier({
      keys: new StaticKeySource({ keys: [{ ...publicJwk, kid, alg: 'ES256', use: 'sig' }] }),
      audience: upstream.url,
    });
    const headerFrom = async (file: string) => {
      const proxy = await startProxy({ jwksUrl: jwks.url, upstream: upstream.url, env: { PROXY_IDENTITY_KEY_FILE: file } });
      try {
        const res = await fetch(`${proxy.url}/api/echo`, {
          headers: { authorization: `Bearer ${await mintToken(jwks.key, { sub: 'restart-user' })}` },
        });
        return String(((await res.json()) as { headers: Record<string, string> }).headers['x-gatehouse-identity']);
      } finally {
        await proxy.stop();
      }
    };
    await expect(verify(await headerFrom(keyFile))).resolves.toMatchObject({ sub: 'restart-user' });
    await expect(verify(await headerFrom(otherKeyFile))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses to start when the key does not fit PROXY_IDENTITY_ALG', async () => {
    await expect(
      startProxy({ jwksUrl: jwks.url, upstream: upstream.url, env: { PROXY_IDENTITY_KEY_FILE: keyFile, PROXY_IDENTITY_ALG: 'RS256' } }),
    ).rejects.toThrow(/PROXY_IDENTITY_KEY_FILE: not a readable PKCS#8 PEM private key for RS256/);
  });
});
