import { randomUUID } from 'node:crypto';
import { sha256 } from '@gatehouse/shared';
import { IdpError, type IdentityProvider, type IdpTokens } from '../../src/domain/ports.js';

interface Started {
  state: string;
  codeChallenge: string;
  nonce: string;
}

/**
 * An in-process IdentityProvider for the domain tests (the integration tests run a real oidc-provider
 * through openid-client). It checks what a real IdP checks: the code was issued for this state, the
 * PKCE verifier matches the S256 challenge, a refresh token is valid and rotates.
 */
export class FakeIdp implements IdentityProvider {
  readonly started: Started[] = [];
  private readonly codes = new Map<string, { started: Started; tokens: IdpTokens }>();
  private readonly refreshTokens = new Map<string, IdpTokens>();
  /** Set to make every call fail as if the IdP were down. */
  down = false;
  refreshes = 0;

  authorizationUrl(p: Started): Promise<string> {
    if (this.down) return Promise.reject(new IdpError('unavailable', 'idp_unavailable'));
    this.started.push(p);
    const q = new URLSearchParams({
      response_type: 'code',
      state: p.state,
      code_challenge: p.codeChallenge,
      code_challenge_method: 'S256',
      nonce: p.nonce,
    });
    return Promise.resolve(`https://idp.test/auth?${q.toString()}`);
  }

  /**
   * The person `subject` signs in for the authorization with `state`: the callback's query.
   * `offline: false` grants no refresh token (no offline_access).
   */
  signIn(state: string, subject: string, extra: { offline?: boolean; email?: string; emailVerified?: boolean } = {}): URLSearchParams {
    const started = this.started.find((s) => s.state === state);
    if (!started) throw new Error('no such authorization');
    const code = randomUUID();
    const refreshToken = extra.offline === false ? undefined : `rt-${randomUUID()}`;
    const tokens: IdpTokens = { subject, expiresInSec: 3600, email: extra.email, emailVerified: extra.emailVerified, refreshToken };
    this.codes.set(code, { started, tokens });
    if (refreshToken) this.refreshTokens.set(refreshToken, tokens);
    return new URLSearchParams({ code, state });
  }

  exchangeCode(callback: URLSearchParams, checks: { state: string; codeVerifier: string; nonce: string }): Promise<IdpTokens> {
    if (this.down) return Promise.reject(new IdpError('unavailable', 'idp_unavailable'));
    const issued = this.codes.get(callback.get('code') ?? '');
    this.codes.delete(callback.get('code') ?? '');
    if (!issued || issued.started.state !== checks.state) return Promise.reject(new IdpError('invalid_grant', 'invalid_grant'));
    if (sha256(checks.codeVerifier) !== issued.started.codeChallenge || issued.started.nonce !== checks.nonce)
      return Promise.reject(new IdpError('rejected', 'pkce_or_nonce'));
    return Promise.resolve(issued.tokens);
  }

  refresh(refreshToken: string): Promise<IdpTokens> {
    this.refreshes++;
    if (this.down) return Promise.reject(new IdpError('unavailable', 'idp_unavailable'));
    const tokens = this.refreshTokens.get(refreshToken);
    if (!tokens) return Promise.reject(new IdpError('invalid_grant', 'invalid_grant'));
    this.refreshTokens.delete(refreshToken); // rotation: each refresh token is single use
    const next = { ...tokens, refreshToken: `rt-${randomUUID()}`, subject: '' };
    this.refreshTokens.set(next.refreshToken, tokens);
    return Promise.resolve(next);
  }

  /** The person revoked their consent at the IdP: every refresh token of `subject` is dead. */
  revokeGrantsOf(subject: string): void {
    for (const [rt, t] of this.refreshTokens) if (t.subject === subject) this.refreshTokens.delete(rt);
  }
}
