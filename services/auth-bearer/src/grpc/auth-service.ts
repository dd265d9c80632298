import type { Metadata } from '@grpc/grpc-js';
import { grpcClientAddress, type AsyncHandlers, type AuthServiceHandlers, type CallContext, type TrustedPeers } from '@gatehouse/shared';
import type { CliLogin } from '../cli/cli-login.js';
import type { CliClient } from '../cli/ports.js';

const first = (md: Metadata, key: string): string | undefined => {
  const v = md.get(key)[0];
  return typeof v === 'string' ? v : undefined;
};

/** The Bearer token of the call's `authorization` metadata, or undefined. */
function bearerOf(md: Metadata): string | undefined {
  const m = /^Bearer +([^\s]+)$/i.exec(first(md, 'authorization') ?? '');
  return m?.[1];
}

/**
 * mgmt.v1alpha1.AuthService (seed 000): messages to the CLI login use case and back. The end
 * user's address is the one the proxy's gRPC entry appended to x-forwarded-for when the peer is
 * trusted (AUTH_BEARER_TRUST_PROXY), else the peer itself.
 */
export function authServiceHandlers(deps: { login: CliLogin; trustedPeers: TrustedPeers }): AsyncHandlers<AuthServiceHandlers> {
  const { login } = deps;
  const client = (ctx: CallContext): CliClient => ({
    ip: grpcClientAddress(ctx, deps.trustedPeers),
    user_agent: (first(ctx.metadata, 'user-agent') ?? '').slice(0, 256),
  });
  return {
    GetAuthStatus: () => Promise.resolve({ is_enabled: true }),
    GetCliIssuer: () => Promise.resolve(login.issuerInfo()),
    async GetAuthorizeUrl(req, ctx) {
      return { url: await login.authorizeUrl(req, client(ctx)) };
    },
    async LoginCli(req, ctx) {
      return { access_token: await login.login(req, client(ctx)) };
    },
    async RefreshCli(req, ctx) {
      return { access_token: await login.refresh(req.refresh_token, client(ctx)) };
    },
    async CheckToken(_req, ctx) {
      await login.check(bearerOf(ctx.metadata));
      return {};
    },
  };
}
