/**
 * The generated message types services use most, re-exported so no service re-declares them.
 * `X` is what you may send (fields optional), `X__Output` what you receive (fields filled).
 */
export type { Principal, Principal__Output } from '../gen/gatehouse/v1/Principal.js';
export type { User, User__Output } from '../gen/gatehouse/v1/User.js';
export type { TokenSet, TokenSet__Output } from '../gen/gatehouse/v1/TokenSet.js';
export type { SessionInfo, SessionInfo__Output } from '../gen/gatehouse/v1/SessionInfo.js';
export type { AccessTokenResponse, AccessTokenResponse__Output } from '../gen/gatehouse/v1/AccessTokenResponse.js';
export type { AppTokenInfo, AppTokenInfo__Output } from '../gen/gatehouse/v1/AppTokenInfo.js';
export type { TokenServiceHandlers } from '../gen/gatehouse/v1/TokenService.js';
export type { UserServiceHandlers } from '../gen/gatehouse/v1/UserService.js';
export type { AppTokenServiceHandlers } from '../gen/gatehouse/v1/AppTokenService.js';
export type { LoginServiceHandlers } from '../gen/login/v1/LoginService.js';
export type { AuthServiceHandlers } from '../gen/mgmt/v1alpha1/AuthService.js';
export type { AccessToken, AccessToken__Output } from '../gen/mgmt/v1alpha1/AccessToken.js';
export type { ApiKeyServiceHandlers } from '../gen/apikeys/ApiKeyService.js';
export type { APIKey, APIKey__Output } from '../gen/apikeys/APIKey.js';
export type { KeyStatus__Output } from '../gen/apikeys/KeyStatus.js';
