import { API_KEY_PREFIX, GatehouseError } from '@gatehouse/shared';
import type { AuthPrincipal } from '../domain/principal.js';
import { parseAuthorization, parseBasic, type AuthInput, type Authenticator } from './authenticator.js';

/**
 * First in the chain: a raw API key (`ghk_…`) presented as a Bearer token or a Basic password is
 * refused with API_KEY_NOT_ACCEPTED. A key confers no access until exchanged for a short-lived access
 * token (apikeys.ApiKeyService/ExchangeKeyForToken); it is never verified as a JWT, never sent to
 * auth-basic as a password, and never looked up (no call per request).
 */
export function createApiKeyRefusal(): Authenticator {
  return {
    method: 'apikey',
    scheme: 'Bearer',
    authenticate(input: AuthInput): Promise<AuthPrincipal | null> {
      const a = parseAuthorization(input.authorization);
      const raw = a?.scheme === 'bearer' ? a.value : a?.scheme === 'basic' ? parseBasic(input.authorization)?.password : undefined;
      if (raw?.startsWith(API_KEY_PREFIX))
        return Promise.reject(new GatehouseError('API_KEY_NOT_ACCEPTED', { detail: 'raw API key presented' }));
      return Promise.resolve(null);
    },
  };
}
