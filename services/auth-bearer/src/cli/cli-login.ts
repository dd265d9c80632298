import * as oidc from 'openid-client';
import type { Logger } from 'pino';
import type { Clock } from '@gatehouse/shared/clock';
import { sha256 } from '@gatehouse/shared/crypto';
import { GatehouseError } from '@gatehouse/shared/errors';
import { addressLimitKey } from '@gatehouse/shared/net';
import type { KeyValueStore } from '@gatehouse/shared/store';
import type { TokenSet } from '../domain/token-authority.js';
import { idpError } from './idp-errors.js';
import type { CliAuthority, CliClient, CliIssuer, CliSessions, IdpTokens } from './ports.js';
import type { RateLimiter } from './rate-limiter.js';
import { checkCliRedirectUri } from './redirect-uri.js';
import { checkCode, checkCodeChallenge, checkCodeVerifier, checkScope, checkState } from './request-checks.js';

/** mgmt.v1alpha1.AccessToken: what LoginCli and RefreshCli answer. */
export interface CliTokens {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  scope: string;
  id_token?: string;
  token_type: 'Bearer';
}

export interface CliLoginOptions {
  /** ACCESS_TOKEN_AUDIENCE: GetCliIssuer's audience, and the `audience` of authorization requests. */
  audience: string;
  /** AUTH_CLI_REDIRECT_ALLOW_LIST, normalised. */
  redirectAllowList: readonly string[];
  /** The sessions' client: gatehouse-cli (CLI_CLIENT_ID), whoever the issuer. */
  clientId: string;
}

/**
 * How long a presented code is remembered: RFC 6749 §4.1.2 recommends codes live at most 10
 * minutes, so a replay comes within it.
 */
const CODE_MEMORY_MS = 10 * 60_000;
const PENDING = 'pending';
const REPLAYED = 'replayed';
const codeKey = (code: string) => `bearer:cli-code:${sha256(code)}`;

const replayError = () =>
  new GatehouseError('UNAUTHENTICATED', { message: 'This authorization code was already used. Sign in again.', detail: 'code replayed' });

/**
 * The CLI login of seed 000 (mgmt.v1alpha1.AuthService): the authorization URL at the CLI issuer,
 * the code exchange as the confidential client (PKCE when the CLI used it), and Gatehouse tokens
 * for the mapped user from a session opened here, so the proxy accepts them and revocation, refresh
 * rotation and reuse detection work as for every other session.
 */
export class CliLogin {
  constructor(
    private readonly deps: {
      /** Undefined: no CLI issuer (AUTH_OIDC_BUILTIN=false and no AUTH_CLI_PROVIDER). */
      issuer: CliIssuer | undefined;
      authority: CliAuthority;
      sessions: CliSessions;
      limiter: RateLimiter;
      store: KeyValueStore;
      clock: Clock;
      logger: Logger;
      opts: CliLoginOptions;
    },
  ) {}

  private need(): CliIssuer {
    if (this.deps.issuer) return this.deps.issuer;
    throw new GatehouseError('UNIMPLEMENTED', {
      message: 'CLI login is off here: the built-in IdP is off (AUTH_OIDC_BUILTIN=false) and AUTH_CLI_PROVIDER is unset.',
    });
  }

  issuerInfo(): { issuer_url: string; audience: string } {
    return { issuer_url: this.need().issuer, audience: this.deps.opts.audience };
  }

  async authorizeUrl(
    req: { state: string; redirect_uri: string; scope: string; code_challenge: string },
    client: CliClient,
  ): Promise<string> {
    await this.deps.limiter.hit(addressLimitKey(client.ip));
    const issuer = this.need();
    const redirectUri = checkCliRedirectUri(req.redirect_uri, this.deps.opts.redirectAllowList);
    const state = checkState(req.state);
    const scopes = [...new Set([...checkScope(req.scope), ...issuer.scopes])];
    const challenge = checkCodeChallenge(req.code_challenge);
    const config = await issuer.configuration().catch((err: unknown) => {
      throw idpError(err, issuer.issuer, this.deps.logger);
    });
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: scopes.join(' '),
      state,
      audience: this.deps.opts.audience,
      // OIDC Core §11: offline access needs the consent prompt (oidc-provider drops the scope without it).
      ...(scopes.includes('offline_access') ? { prompt: 'consent' } : {}),
      ...(challenge ? { code_challenge: challenge, code_challenge_method: 'S256' } : {}),
    }).href;
  }

  async login(req: { code: string; redirect_uri: string; code_verifier: string }, client: CliClient): Promise<CliTokens> {
    await this.deps.limiter.hit(addressLimitKey(client.ip));
    const issuer = this.need();
    const redirectUri = checkCliRedirectUri(req.redirect_uri, this.deps.opts.redirectAllowList);
    const code = checkCode(req.code);
    const verifier = checkCodeVerifier(req.code_verifier);
    const key = codeKey(code);
    // One exchange per code, remembered across instances: a replay is refused before the IdP is asked.
    if (!(await this.deps.store.set(key, PENDING, { onlyIfAbsent: true, ttlMs: CODE_MEMORY_MS }))) {
      await this.replayed(key);
      throw replayError();
    }
    let tokens: IdpTokens;
    let config: oidc.Configuration;
    try {
      config = await issuer.configuration();
      tokens = await oidc.authorizationCodeGrant(config, this.callbackUrl(config, redirectUri, code, issuer.issuer), {
        ...(verifier ? { pkceCodeVerifier: verifier } : {}),
        idTokenExpected: true,
      });
    } catch (err) {
      const ge = idpError(err, issuer.issuer, this.deps.logger);
      // The IdP was not reached: the code may still be good, so it may be presented again.
      if (ge.code === 'SERVICE_UNAVAILABLE') await this.deps.store.compareAndSet(key, PENDING, null);
      throw ge;
    }
    const granted = tokens.scope === undefined ? undefined : tokens.scope.split(' ').filter(Boolean);
    const set = await issuer
      .openSession(config, tokens, {
        client_id: this.deps.opts.clientId,
        scopes: granted ?? [],
        ip: client.ip,
        user_agent: client.user_agent,
      })
      .catch((err: unknown) => {
        throw idpError(err, issuer.issuer, this.deps.logger);
      });
    // A replay that came while this exchange ran: RFC 6749 §4.1.2, tokens issued for the code are revoked.
    if (!(await this.deps.store.compareAndSet(key, PENDING, set.session_id, { ttlMs: CODE_MEMORY_MS }))) {
      await this.deps.sessions.revokeSession(set.session_id, 'cli_code_replayed');
      throw replayError();
    }
    // The seed: a refresh token only when offline_access was granted (the IdP's scope, else whether it issued one).
    const offline = granted ? granted.includes('offline_access') : tokens.refresh_token !== undefined;
    return this.answer(set, { refresh: offline, idToken: tokens.id_token });
  }

  async refresh(refreshToken: string, client: CliClient): Promise<CliTokens> {
    await this.deps.limiter.hit(addressLimitKey(client.ip));
    if (!refreshToken) throw new GatehouseError('INVALID_PAYLOAD', { message: 'refresh_token is required.' });
    const set = await this.deps.authority.refreshSession(refreshToken, { ip: client.ip, user_agent: client.user_agent });
    return this.answer(set, { refresh: true });
  }

  /** CheckToken: an access token auth-bearer issued, live (signature, expiry, session or user not revoked). */
  async check(token: string | undefined): Promise<void> {
    if (!token) throw new GatehouseError('UNAUTHENTICATED', { message: 'A Bearer token is required in the call metadata.' });
    await this.deps.authority.verify(token);
  }

  /**
   * The authorization response as the CLI's callback received it, for openid-client's checks.
   * The seed's LoginCli carries only the code: `iss` is the configured issuer's (RFC 9207; there
   * is one CLI issuer, so no mix-up is possible) and no state (the CLI checked its own).
   */
  private callbackUrl(config: oidc.Configuration, redirectUri: string, code: string, issuer: string): URL {
    const u = new URL(redirectUri);
    u.searchParams.set('code', code);
    if (config.serverMetadata().authorization_response_iss_parameter_supported) u.searchParams.set('iss', issuer);
    return u;
  }

  /** A code presented again: marked, and the session of its first exchange (if done) ended. */
  private async replayed(key: string): Promise<void> {
    const { store, sessions, logger } = this.deps;
    for (let i = 0; i < 3; i++) {
      const seen = await store.get(key);
      if (seen === null || seen === REPLAYED) return;
      if (await store.compareAndSet(key, seen, REPLAYED, { ttlMs: CODE_MEMORY_MS })) {
        if (seen !== PENDING) await sessions.revokeSession(seen, 'cli_code_replayed');
        logger.warn({ sid: seen === PENDING ? undefined : seen }, 'CLI login: authorization code replayed');
        return;
      }
    }
  }

  private answer(set: TokenSet, o: { refresh: boolean; idToken?: string | undefined }): CliTokens {
    return {
      access_token: set.access_token,
      ...(o.refresh ? { refresh_token: set.refresh_token } : {}),
      expires_in: Math.max(0, Math.floor((set.access_token_expires_at_ms - this.deps.clock.now()) / 1000)),
      scope: set.session.scopes.join(' '),
      ...(o.idToken ? { id_token: o.idToken } : {}),
      token_type: 'Bearer',
    };
  }
}
