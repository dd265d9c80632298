import { decodeJwt } from 'jose';
import { createIdentityVerifier, StaticKeySource, type Identity } from '@gatehouse/shared';
import { FakeClock, testKeyPair } from '@gatehouse/shared/testing';
import { IdentitySigner } from './identity-signer.js';

const ada: Identity = { sub: 'u-1', roles: ['admin'], groups: [], scopes: [], amr: ['pwd'], auth_method: 'bearer' };

describe('IdentitySigner: one header per principal and upstream (issue 10 item 4)', () => {
  it('signs each upstream its own header (aud = its name), reused until 90% of the TTL', async () => {
    const key = await testKeyPair('ES256');
    const clock = new FakeClock();
    const signer = new IdentitySigner(key, 30, clock, 100);
    const forBasic = await signer.sign(ada, 'auth-basic');
    const forWhoami = await signer.sign(ada, 'whoami');
    expect(forBasic).not.toBe(forWhoami);
    expect([decodeJwt(forBasic).aud, decodeJwt(forWhoami).aud]).toEqual(['auth-basic', 'whoami']);
    expect(decodeJwt(forBasic).exp! - decodeJwt(forBasic).iat!).toBe(30);
    // The per-request path: the same identity object, the same upstream → the cached header.
    expect(await signer.sign(ada, 'auth-basic')).toBe(forBasic);
    // An equal identity (another cached authentication of the same principal) hits too.
    expect(await signer.sign({ ...ada }, 'whoami')).toBe(forWhoami);
    expect([signer.misses, signer.hits]).toEqual([2, 2]);
    clock.advance(27_001);
    const fresh = await signer.sign(ada, 'auth-basic');
    expect(fresh).not.toBe(forBasic);
    expect(signer.misses).toBe(3);
    // Only the upstream it names accepts a header.
    const verifyAt = (audience: string) =>
      createIdentityVerifier({ keys: new StaticKeySource({ keys: [key.publicJwk] }), clock, audience });
    await expect(verifyAt('auth-basic')(fresh)).resolves.toMatchObject({ sub: 'u-1', aud: 'auth-basic' });
    await expect(verifyAt('auth-app')(fresh)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
