import * as oidc from 'openid-client';
import {
  GatehouseError,
  isGatehouseError,
  loginRedirectTarget,
  sha256,
  type Clock,
  type KeyValueStore,
  type Logger,
  type ProviderConfig,
} from '@gatehouse/shared';
import type { TokenSet } from '../domain/token-authority.js';
import type { ProviderClients } from './provider-clients.js';
import type { ProviderSignIn } from './provider-sign-in.js';
import type { SsoStateSealer } from './sso-state.js';

export interface SsoLoginOptions {
  publicUrl: string;
  stateTtlMs: number;
}

export interface BeganLogin {
  authorizationUrl: string;
  /** The sealed SSO state for the cookie. */
  cookie: string;
  redirect: string;
}

export interface CompletedLogin {
  tokens: TokenSet;
  mode: ProviderConfig['mode'];
  redirect: string;
}

/** The request at the callback, as the transport saw it. */
export interface CallbackRequest {
  /** Authorization response parameters (query string, or the form_post body). */
  params: URLSearchParams;
  stateCookie: unknown;
  ip: string | undefined;
  userAgent: string | undefined;
}

/** A login failure that knows where the browser should be sent with `?reason=`. */
export class SsoLoginError extends Error {
  constructor(
    readonly error: GatehouseError,
    readonly redirect: string,
  ) {
    super(error.message);
  }
}

/** openid-client's refusals (state, iss, nonce, PKCE, invalid_grant, IdP error responses) vs. an IdP that cannot answer. */
export function fromClientError(err: unknown, provider: string): GatehouseError {
  if (isGatehouseError(err)) return err;
  const e = err as { name?: string; code?: string; error?: string; message?: string; cause?: unknown };
  const unreachable = e.name === 'TypeError' || e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'OAUTH_TIMEOUT';
  const detail = `${provider}: ${e.code ?? e.name ?? 'error'}${e.error ? ` ${e.error}` : ''}: ${e.message ?? ''}`;
  return unreachable
    ? new GatehouseError('SERVICE_UNAVAILABLE', { detail, retryAfter: 5, cause: err })
    : new GatehouseError('INVALID_CREDENTIALS', { detail, cause: err });
}

/**
 * SSO through external providers (seed 003's GET /auth/login/:provider): the authorization request
 * with PKCE S256, state and nonce kept in a sealed cookie; the callback checks them and the issuer
 * (RFC 9207 mix-up, through openid-client), spends the state once, exchanges the code, maps the
 * identity to an account (auth-basic) and opens a Gatehouse session.
 */
export class SsoLogin {
  private readonly providers: Map<string, ProviderConfig>;

  constructor(
    private readonly deps: {
      providers: readonly ProviderConfig[];
      clients: ProviderClients;
      sealer: SsoStateSealer;
      signIn: ProviderSignIn;
      store: KeyValueStore;
      clock: Clock;
      logger: Logger;
      opts: SsoLoginOptions;
    },
  ) {
    this.providers = new Map(deps.providers.map((p) => [p.name, p]));
  }

  provider(name: string): ProviderConfig {
    const p = this.providers.get(name);
    if (!p) throw new GatehouseError('INVALID_PROVIDER', { detail: `no provider ${name}` });
    return p;
  }

  redirectUri(p: ProviderConfig): string {
    return `${this.deps.opts.publicUrl}/auth/login/${p.name}/callback`;
  }

  /** Where a login of `providerName` asked to go, vetted (relative path or allow list), else PUBLIC_URL. */
  target(providerName: string, requested: unknown): string {
    const p = this.providers.get(providerName);
    return loginRedirectTarget(requested, p?.redirectAllowList ?? [], this.deps.opts.publicUrl);
  }

  async begin(providerName: string, requestedRedirect: unknown): Promise<BeganLogin> {
    const redirect = this.target(providerName, requestedRedirect);
    try {
      const p = this.provider(providerName);
      const config = await this.deps.clients.get(p);
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = p.driver === 'openid' ? oidc.randomNonce() : undefined;
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: this.redirectUri(p),
        scope: p.scope.join(' '),
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        ...(nonce ? { nonce } : {}),
      });
      const expiresAt = this.deps.clock.now() + this.deps.opts.stateTtlMs;
      const cookie = this.deps.sealer.seal({ provider: p.name, state, ...(nonce ? { nonce } : {}), codeVerifier, redirect, expiresAt });
      return { authorizationUrl: url.href, cookie, redirect };
    } catch (err) {
      throw new SsoLoginError(fromClientError(err, providerName), redirect);
    }
  }

  async complete(providerName: string, req: CallbackRequest): Promise<CompletedLogin> {
    let redirect = this.deps.opts.publicUrl;
    try {
      const p = this.provider(providerName);
      const s = this.deps.sealer.open(p.name, req.stateCookie, this.deps.clock.now());
      redirect = s.redirect;
      // One callback per login: a replayed one (same cookie and response) is refused before the IdP is asked.
      const fresh = await this.deps.store.set(`bearer:sso-state:${sha256(s.state)}`, '1', {
        onlyIfAbsent: true,
        ttlMs: Math.max(1000, s.expiresAt - this.deps.clock.now()),
      });
      if (!fresh) throw new GatehouseError('INVALID_CREDENTIALS', { detail: 'SSO callback replayed' });
      const config = await this.deps.clients.get(p);
      const current = new URL(this.redirectUri(p));
      for (const [k, v] of req.params) current.searchParams.append(k, v);
      const tokens = await oidc
        .authorizationCodeGrant(config, current, {
          pkceCodeVerifier: s.codeVerifier,
          expectedState: s.state,
          ...(s.nonce ? { expectedNonce: s.nonce } : {}),
          idTokenExpected: p.driver === 'openid',
        })
        .catch((err: unknown) => {
          throw fromClientError(err, p.name);
        });
      const set = await this.deps.signIn
        .open(p, config, tokens, { client_id: 'gatehouse', scopes: [], ip: req.ip ?? '', user_agent: req.userAgent ?? '' })
        .catch((err: unknown) => {
          throw fromClientError(err, p.name);
        });
      return { tokens: set, mode: p.mode, redirect };
    } catch (err) {
      const ge = fromClientError(err, providerName);
      this.deps.logger.info({ provider: providerName, code: ge.code, why: ge.detail }, 'SSO login refused');
      throw new SsoLoginError(ge, redirect);
    }
  }
}
