import { SignJWT } from 'jose';
import { testKeyPair } from '../testing/keys.js';
import { StaticKeySource } from './key-source.js';
import { createAccessTokenVerifier } from './verify-access-token.js';

describe('createAccessTokenVerifier (smoke)', () => {
  it('accepts a well-formed at+jwt and rejects a wrong audience', async () => {
    const k = await testKeyPair('ES256');
    const verify = createAccessTokenVerifier({ issuer: 'https://gh.test', audience: 'gatehouse', keys: new StaticKeySource({ keys: [k.publicJwk] }) });
    const token = await new SignJWT({ client_id: 'c', scope: 'a b' })
      .setProtectedHeader({ alg: 'ES256', kid: k.kid, typ: 'at+jwt' })
      .setIssuer('https://gh.test')
      .setAudience('gatehouse')
      .setSubject('u1')
      .setJti('j1')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(k.privateKey);
    await expect(verify(token)).resolves.toMatchObject({ sub: 'u1', client_id: 'c' });
    const other = createAccessTokenVerifier({ issuer: 'https://gh.test', audience: 'other', keys: new StaticKeySource({ keys: [k.publicJwk] }) });
    await expect(other(token)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
  });
});
