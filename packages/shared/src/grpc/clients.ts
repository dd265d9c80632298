import type { TokenServiceClient, TokenServiceHandlers } from '../gen/gatehouse/v1/TokenService.js';
import type { UserServiceClient, UserServiceHandlers } from '../gen/gatehouse/v1/UserService.js';
import type { AppTokenServiceClient, AppTokenServiceHandlers } from '../gen/gatehouse/v1/AppTokenService.js';
import type { AuthServiceClient as MgmtAuthServiceClient, AuthServiceHandlers } from '../gen/mgmt/v1alpha1/AuthService.js';
import type { ApiKeyServiceClient, ApiKeyServiceHandlers } from '../gen/apikeys/ApiKeyService.js';
import { createGrpcClient, type AsyncClient, type GrpcClientOptions } from './client.js';
import { loadProtos } from './proto.js';

export type TokenClient = AsyncClient<TokenServiceClient, TokenServiceHandlers> & { close(): void };
export type UserClient = AsyncClient<UserServiceClient, UserServiceHandlers> & { close(): void };
export type AppTokenClient = AsyncClient<AppTokenServiceClient, AppTokenServiceHandlers> & { close(): void };
export type ApiKeyClient = AsyncClient<ApiKeyServiceClient, ApiKeyServiceHandlers> & { close(): void };

/**
 * auth-bearer's TokenService. Retried on UNAVAILABLE: the reads (ListSessions, GetSession,
 * VerifyToken), RevokeSession (revoking twice is revoking once) and MintAccessToken (an extra
 * token nobody received is harmless). Never OpenSession (a duplicate session), RefreshSession (a
 * replayed rotation is reuse once the grace period is off), RevokeUser or RotateKeys.
 */
export function createTokenClient(address: string, opts: GrpcClientOptions = {}): TokenClient {
  return createGrpcClient<TokenServiceClient, TokenServiceHandlers>(loadProtos().gatehouse.v1.TokenService, address, {
    idempotent: ['ListSessions', 'GetSession', 'VerifyToken', 'RevokeSession', 'MintAccessToken'],
    ...opts,
  });
}

/** auth-basic's UserService. */
export function createUserClient(address: string, opts: GrpcClientOptions = {}): UserClient {
  return createGrpcClient<UserServiceClient, UserServiceHandlers>(loadProtos().gatehouse.v1.UserService, address, {
    idempotent: ['GetUser', 'ListUsers', 'GetUserByIdentity'],
    ...opts,
  });
}

/** auth-app's AppTokenService. Authenticate is a lookup (its last-used stamp is idempotent). */
export function createAppTokenClient(address: string, opts: GrpcClientOptions = {}): AppTokenClient {
  return createGrpcClient<AppTokenServiceClient, AppTokenServiceHandlers>(loadProtos().gatehouse.v1.AppTokenService, address, {
    idempotent: ['ListAppTokens', 'Authenticate'],
    ...opts,
  });
}

/**
 * apikeys.ApiKeyService (seed 002), served by auth-apikey and reached through the proxy's gRPC entry:
 * pass `authorization: Bearer <token>` metadata on every call but ExchangeKeyForToken. Reads are retried.
 */
export function createApiKeyClient(address: string, opts: GrpcClientOptions = {}): ApiKeyClient {
  return createGrpcClient<ApiKeyServiceClient, ApiKeyServiceHandlers>(loadProtos().apikeys.ApiKeyService, address, {
    idempotent: ['GetAPIKey', 'ListAPIKeys'],
    ...opts,
  });
}

export type AuthServiceClient = AsyncClient<MgmtAuthServiceClient, AuthServiceHandlers> & { close(): void };

/** mgmt.v1alpha1.AuthService (seed 000, the CLI login; auth-bearer, public through the proxy's gRPC entry). */
export function createAuthServiceClient(address: string, opts: GrpcClientOptions = {}): AuthServiceClient {
  return createGrpcClient<MgmtAuthServiceClient, AuthServiceHandlers>(loadProtos().mgmt.v1alpha1.AuthService, address, {
    idempotent: ['GetAuthStatus', 'GetCliIssuer', 'CheckToken'],
    ...opts,
  });
}
