import type * as grpc from '@grpc/grpc-js';
import type { PublicUser } from '../domain/user.js';

// Local shapes of the proto messages this service serves (the generated types live in
// packages/shared/src/gen but are not exported by @gatehouse/shared).

export type Unary<Req, Res> = grpc.handleUnaryCall<Req, Res>;

export type UserMsg = PublicUser;
export interface GetUserReq {
  id?: string;
  email?: string;
  key?: 'id' | 'email';
}
export interface CreateUserReq {
  email: string;
  name: string;
  password: string;
  roles: string[];
  groups: string[];
  provider: string;
}
export interface ListUsersReq {
  limit: number;
  cursor: string;
}
export interface UpdateUserReq {
  id: string;
  name?: string;
  email?: string;
  roles: string[];
  has_roles: boolean;
  groups: string[];
  has_groups: boolean;
  status?: string;
}
export interface SetPasswordReq {
  id: string;
  password: string;
}
export interface AuthenticateReq {
  email: string;
  password: string;
  ip: string;
}
export interface PrincipalMsg {
  user_id: string;
  email: string;
  name: string;
  roles: string[];
  groups: string[];
  amr: string[];
  auth_method: string;
}

export interface UserServiceHandlers {
  CreateUser: Unary<CreateUserReq, UserMsg>;
  GetUser: Unary<GetUserReq, UserMsg>;
  ListUsers: Unary<ListUsersReq, { users: UserMsg[]; next_cursor: string }>;
  UpdateUser: Unary<UpdateUserReq, UserMsg>;
  DisableUser: Unary<GetUserReq, UserMsg>;
  DeleteUser: Unary<GetUserReq, Record<string, never>>;
  SetPassword: Unary<SetPasswordReq, UserMsg>;
  Authenticate: Unary<AuthenticateReq, PrincipalMsg>;
}

export interface Timestamp {
  seconds: number;
  nanos: number;
}
export interface ClaimsMsg {
  iss: string;
  sub: string;
  name: string;
  email: string;
  roles: string[];
  groups: string[];
}
export interface TokenReply {
  id_token: string;
  refresh_token: string;
  claims: ClaimsMsg;
  expires_by: Timestamp;
}
export interface OidcInfoMsg {
  issuer: string;
  auth_url: string;
  client_id: string;
  redirect_url: string;
}

export interface LoginServiceHandlers {
  Login: Unary<{ email: string; password: string }, TokenReply>;
  RefreshToken: Unary<{ refresh_token: string }, TokenReply>;
  GetOIDCInfo: Unary<Record<string, never>, OidcInfoMsg>;
  Logout: Unary<Record<string, never>, Record<string, never>>;
}
