import { grpcOwners } from './grpc-owners.js';

describe('grpcOwners', () => {
  const base = { AUTH_BASIC_GRPC_ENDPOINT: 'basic:1', AUTH_BEARER_GRPC_ENDPOINT: 'bearer:1' };

  it('routes apikeys.ApiKeyService only when AUTH_APIKEY_GRPC_ENDPOINT is set', () => {
    expect(grpcOwners(base).has('apikeys.ApiKeyService')).toBe(false);
    expect(grpcOwners({ ...base, AUTH_APIKEY_GRPC_ENDPOINT: 'apikey:1' }).get('apikeys.ApiKeyService')?.endpoint).toBe('apikey:1');
  });

  it('makes only ExchangeKeyForToken public and keeps the caller’s token from auth-apikey (it reads the signed identity)', () => {
    const owner = grpcOwners({ ...base, AUTH_APIKEY_GRPC_ENDPOINT: 'apikey:1' }).get('apikeys.ApiKeyService')!;
    expect([...owner.publicMethods]).toEqual(['ExchangeKeyForToken']);
    expect(owner.passAuthorization).toBe(false);
  });
});
