import { deriveKey } from '../crypto.js';
import { builtinClientSecret, builtinIdpIssuer } from './builtin-idp.js';

describe('builtinClientSecret (what auth-bearer registers and auth-apikey presents when no secret is set)', () => {
  it('is deriveKey(secret, "oidc-client:<client id>") in base64url, one per client', () => {
    const secret = 'g'.repeat(40);
    expect(builtinClientSecret(secret, 'gatehouse-apikey')).toBe(deriveKey(secret, 'oidc-client:gatehouse-apikey').toString('base64url'));
    expect(builtinClientSecret(secret, 'gatehouse-apikey')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(builtinClientSecret(secret, 'gatehouse-cli')).not.toBe(builtinClientSecret(secret, 'gatehouse-apikey'));
    expect(builtinClientSecret('h'.repeat(40), 'gatehouse-apikey')).not.toBe(builtinClientSecret(secret, 'gatehouse-apikey'));
  });
});

describe('builtinIdpIssuer', () => {
  it('is PUBLIC_URL/oidc, whatever trailing slashes PUBLIC_URL has', () => {
    expect(builtinIdpIssuer('https://gh.example')).toBe('https://gh.example/oidc');
    expect(builtinIdpIssuer('https://gh.example//')).toBe('https://gh.example/oidc');
  });
});
