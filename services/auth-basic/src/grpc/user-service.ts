import { GatehouseError, grpcClientAddress, type AsyncHandlers, type TrustedPeers, type UserServiceHandlers } from '@gatehouse/shared';
import type { ExternalSignIn } from '../auth/external-sign-in.js';
import type { PasswordAuthenticator } from '../auth/password-authenticator.js';
import { principalOf, type LoginFlow } from '../auth/login-flow.js';
import { stall } from '../auth/stall.js';
import type { UserAdministration } from '../auth/user-administration.js';
import { toPublicUser } from '../domain/user.js';

type Handlers = AsyncHandlers<UserServiceHandlers>;
type GetUserRequest = Parameters<Handlers['GetUser']>[0];

const keyOf = (r: GetUserRequest): { id?: string; email?: string } => {
  if (r.id) return { id: r.id };
  if (r.email) return { email: r.email };
  throw new GatehouseError('INVALID_PAYLOAD', { message: 'id or email is required.' });
};

/** gatehouse.v1.UserService: the directory for the CLI and the other services, and Basic auth for the proxy. */
export function userServiceHandlers(deps: {
  directory: UserAdministration;
  authenticator: PasswordAuthenticator;
  externalSignIn: ExternalSignIn;
  login: LoginFlow;
  pageMax: number;
  stallMs: number;
  /** AUTH_BASIC_TRUST_PROXY: whose x-forwarded-for metadata gives the client's address. */
  trustedPeers: TrustedPeers;
}): Handlers {
  const { directory } = deps;
  return {
    CreateUser: async (r) =>
      toPublicUser(
        await directory.create({
          email: r.email,
          name: r.name,
          password: r.password || undefined,
          roles: r.roles,
          groups: r.groups,
          provider: r.provider || undefined,
        }),
      ),
    GetUser: async (r) => toPublicUser(await directory.get(keyOf(r))),
    ListUsers: async (r) => {
      const limit = r.limit > 0 ? Math.min(r.limit, deps.pageMax) : deps.pageMax;
      const page = await directory.list(limit, r.cursor || undefined);
      return { users: page.users.map(toPublicUser), next_cursor: page.next ?? '' };
    },
    UpdateUser: async (r) =>
      toPublicUser(
        await directory.update(r.id, {
          ...(r.name !== undefined && r.name !== null ? { name: r.name } : {}),
          ...(r.email ? { email: r.email } : {}),
          ...(r.has_roles ? { roles: r.roles } : {}),
          ...(r.has_groups ? { groups: r.groups } : {}),
          ...(r.status ? { status: r.status } : {}),
        }),
      ),
    DisableUser: async (r) => toPublicUser(await directory.disable((await directory.get(keyOf(r))).id)),
    DeleteUser: async (r) => {
      await directory.delete((await directory.get(keyOf(r))).id);
      return {};
    },
    SetPassword: async (r) => toPublicUser(await directory.setPassword(r.id, r.password)),
    /** HTTP Basic for the proxy: no TOTP field, so TOTP users get INVALID_OTP. Only failures are padded: Basic is per request. */
    Authenticate: async (r, ctx) => {
      const ip = r.ip || grpcClientAddress(ctx, deps.trustedPeers);
      const started = performance.now();
      try {
        const { user, amr } = await deps.authenticator.authenticate({ email: r.email, password: r.password, ip });
        return principalOf(user, amr, 'basic');
      } catch (err) {
        await stall(Math.max(0, deps.stallMs - (performance.now() - started)), async () => undefined);
        throw err;
      }
    },
    SignInWithIdentity: async (r) => toPublicUser(await deps.externalSignIn.signIn(r)),
    GetUserByIdentity: async (r) => toPublicUser(await deps.externalSignIn.findByIdentity(r.provider, r.external_id)),
    /** The built-in IdP's login form: the whole login flow (limiter, stall, TOTP), no session. */
    CheckCredentials: async (r, ctx) => {
      const ip = r.ip || grpcClientAddress(ctx, deps.trustedPeers);
      const { user, amr } = await deps.login.check({ email: r.email, password: r.password, otp: r.otp || undefined, ip });
      return { user: toPublicUser(user), amr };
    },
  };
}
