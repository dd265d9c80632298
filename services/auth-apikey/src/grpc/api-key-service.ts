import {
  identityFromMetadata,
  selfCaller,
  type ApiKeyServiceHandlers,
  type AsyncHandlers,
  type CallContext,
  type IdentityClaims,
} from '@gatehouse/shared';
import type { ApiKeys } from '../domain/api-keys.js';
import type { KeyExchange } from '../domain/key-exchange.js';
import { keyIdFromBytes } from '../domain/key-id.js';
import { apiKeyMessage } from './key-views.js';

export interface ApiKeyServiceDeps {
  keys: ApiKeys;
  exchange: KeyExchange;
  /** Verifies the proxy's x-gatehouse-identity. */
  verifyIdentity: (token: string) => Promise<IdentityClaims>;
  /** The client's address under the trusted-peer rule (AUTH_APIKEY_TRUST_PROXY). */
  clientAddress: (call: CallContext) => string;
}

/**
 * apikeys.ApiKeyService (seed 002). Every method but ExchangeKeyForToken needs the user in person
 * (the identity the proxy's gRPC entry forwards; never an app token, an API-key token or `act`);
 * ExchangeKeyForToken is the public method (the proxy lists it so) and is rate-limited instead.
 */
export function apiKeyServiceHandlers(deps: ApiKeyServiceDeps): AsyncHandlers<ApiKeyServiceHandlers> {
  const caller = async (ctx: CallContext): Promise<string> =>
    selfCaller(await identityFromMetadata(ctx.metadata, deps.verifyIdentity), 'API keys').sub;
  return {
    CreateAPIKey: async (req, ctx) => {
      const user = await caller(ctx);
      const issued = await deps.keys.create(user, { name: req.name, scopes: req.scopes, finalFrontendRedirect: req.finalFrontendRedirect });
      return { key: apiKeyMessage(issued.record, issued.apiKey), authorizeURL: issued.authorizeURL };
    },
    RefreshAPIKey: async (req, ctx) => {
      const user = await caller(ctx);
      const issued = await deps.keys.refresh(user, keyIdFromBytes(req.uuid), req.finalFrontendRedirect);
      return { response: { key: apiKeyMessage(issued.record, issued.apiKey), authorizeURL: issued.authorizeURL } };
    },
    GetAPIKey: async (req, ctx) => {
      const user = await caller(ctx);
      return { key: apiKeyMessage(await deps.keys.get(user, keyIdFromBytes(req.uuid))) };
    },
    UpdateAPIKey: async (req, ctx) => {
      const user = await caller(ctx);
      return { key: apiKeyMessage(await deps.keys.rename(user, keyIdFromBytes(req.uuid), req.properties?.name)) };
    },
    ListAPIKeys: async (_req, ctx) => {
      const user = await caller(ctx);
      return { keys: (await deps.keys.list(user)).map((r) => apiKeyMessage(r)) };
    },
    DeleteAPIKey: async (req, ctx) => {
      const user = await caller(ctx);
      await deps.keys.delete(user, keyIdFromBytes(req.uuid));
      return {};
    },
    ExchangeKeyForToken: async (req, ctx) => ({ accessToken: await deps.exchange.exchange(req.apiKey, deps.clientAddress(ctx)) }),
  };
}
