import { ADMIN_ROLE, type TokenClient } from '@gatehouse/shared';
import type { TokenMinter } from '../domain/ports.js';

/** The client id access tokens minted from API keys carry. */
export const API_KEY_CLIENT_ID = 'gatehouse-apikey';

/**
 * Access tokens from auth-bearer's TokenService.MintAccessToken (auth-apikey never signs): the
 * creator's token with exactly the key's scopes, `amr: ["apikey"]`, the key's id and generation
 * (`api_key_id`, `api_key_gen`) and a TTL of AUTH_APIKEY_TOKEN_TTL (capped by AUTH_BEARER_MINT_MAX_TTL).
 * A JWT, so clients read `exp` from it. A delegated credential never administers: services refuse
 * `amr: apikey` callers where it matters, and the token never carries the admin role in the first
 * place (routes and services that only check the role, like auth-basic's /users, stay closed to it).
 */
export class BearerTokenMinter implements TokenMinter {
  constructor(
    private readonly client: Pick<TokenClient, 'MintAccessToken'>,
    private readonly ttlSeconds: number,
  ) {}

  async mint(p: Parameters<TokenMinter['mint']>[0]): Promise<string> {
    const res = await this.client.MintAccessToken({
      principal: {
        user_id: p.user.id,
        email: p.user.email,
        name: p.user.name,
        roles: p.user.roles.filter((r) => r !== ADMIN_ROLE),
        groups: p.user.groups,
        amr: ['apikey'],
        scopes: p.scopes,
        client_id: API_KEY_CLIENT_ID,
        auth_method: 'apikey',
      },
      scopes: p.scopes,
      audience: '',
      ttl_seconds: this.ttlSeconds,
      api_key_id: p.keyId,
      api_key_generation: p.generation,
    });
    return res.access_token;
  }
}
