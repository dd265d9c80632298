import {
  BUILTIN_IDP_PATH,
  CLI_CLIENT_ID,
  backChannelFetch,
  builtinClientSecret,
  builtinIdpIssuer,
  type Clock,
  type KeyValueStore,
  type Logger,
  type UserDirectory,
} from '@gatehouse/shared';
import type { Config } from '../config.js';
import type { SessionService } from '../domain/sessions.js';
import type { TokenAuthority } from '../domain/token-authority.js';
import { ProviderClients } from '../sso/provider-clients.js';
import type { ProviderSignIn } from '../sso/provider-sign-in.js';
import { BuiltinCliIssuer, builtinCliProvider } from './builtin-cli-issuer.js';
import { CliLogin } from './cli-login.js';
import type { CliIssuer } from './ports.js';
import { ProviderCliIssuer } from './provider-cli-issuer.js';
import { RateLimiter } from './rate-limiter.js';

/**
 * The CLI login with its issuer: AUTH_CLI_PROVIDER's provider (its openid-client configuration
 * shared with the SSO), else the built-in IdP reached on auth-bearer's own listener (`localHttp()`,
 * its base URL once listening), else none (AuthService answers UNIMPLEMENTED but GetAuthStatus).
 */
export function createCliLogin(
  config: Config,
  deps: {
    store: KeyValueStore;
    clock: Clock;
    logger: Logger;
    authority: TokenAuthority;
    sessions: SessionService;
    users: UserDirectory;
    providerClients: ProviderClients;
    signIn: ProviderSignIn;
    localHttp: () => string;
  },
): CliLogin {
  let issuer: CliIssuer | undefined;
  const named = config.providers.find((p) => p.name === config.AUTH_CLI_PROVIDER);
  if (named) issuer = new ProviderCliIssuer(named, deps.providerClients, deps.signIn);
  else if (config.AUTH_OIDC_BUILTIN)
    issuer = new BuiltinCliIssuer({
      provider: builtinCliProvider(
        config.PUBLIC_URL,
        config.AUTH_OIDC_CLI_CLIENT_SECRET ?? builtinClientSecret(config.GATEHOUSE_SECRET, CLI_CLIENT_ID),
      ),
      clients: new ProviderClients({
        timeoutMs: config.AUTH_BEARER_SSO_HTTP_TIMEOUT,
        retryAfterMs: config.AUTH_BEARER_SSO_RETRY_AFTER,
        // Everything the built-in IdP serves is under its issuer: any other URL is refused.
        fetch: backChannelFetch(builtinIdpIssuer(config.PUBLIC_URL), () => deps.localHttp() + BUILTIN_IDP_PATH, 'refuse'),
        secretPost: true,
      }),
      users: deps.users,
      authority: deps.authority,
      sessions: deps.sessions,
    });
  return new CliLogin({
    issuer,
    authority: deps.authority,
    sessions: deps.sessions,
    limiter: new RateLimiter(deps.store, deps.clock, 'bearer:cli-rate', { limit: config.AUTH_CLI_RATE_LIMIT, windowMs: 60_000 }),
    store: deps.store,
    clock: deps.clock,
    logger: deps.logger,
    opts: { audience: config.ACCESS_TOKEN_AUDIENCE, redirectAllowList: config.AUTH_CLI_REDIRECT_ALLOW_LIST, clientId: CLI_CLIENT_ID },
  });
}
