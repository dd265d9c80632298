import { GatehouseError } from '@gatehouse/shared';
import { accountClaims } from '@gatehouse/shared/users';
import type { UserRecord } from '../domain/user.js';
import type { IssuedSession, PrincipalInput, SessionIssuer } from '../sessions/session-issuer.js';
import type { PasswordAttempt, PasswordAuthenticator } from './password-authenticator.js';
import { stall } from './stall.js';

export function principalOf(user: UserRecord, amr: string[], authMethod: string): PrincipalInput {
  return { ...accountClaims(user), amr, auth_method: authMethod };
}

/**
 * Password login as every transport does it (REST, GraphQL, LoginService): authenticate, then
 * have auth-bearer open the session; the whole answer padded to LOGIN_STALL_TIME.
 */
export class LoginFlow {
  constructor(
    private readonly deps: {
      authenticator: PasswordAuthenticator;
      issuer: SessionIssuer;
      stallMs: number;
      clientId: string;
      /** Told every outcome: `success` or the error code (metrics). */
      onOutcome?: (outcome: string) => void;
    },
  ) {}

  login(a: PasswordAttempt, userAgent: string): Promise<{ session: IssuedSession; user: UserRecord }> {
    return stall(this.deps.stallMs, () =>
      this.counted(async () => {
        const { user, amr } = await this.deps.authenticator.authenticate(a);
        const session = await this.deps.issuer.openSession({
          principal: principalOf(user, amr, 'bearer'),
          clientId: this.deps.clientId,
          amr,
          ip: a.ip,
          userAgent,
        });
        return { session, user };
      }),
    );
  }

  /**
   * The same check as login (limiter, bcrypt pool, TOTP, padded to LOGIN_STALL_TIME) without a
   * session: for the built-in IdP, whose own grant opens the Gatehouse session. Counted like a
   * login, so password guessing at the IdP's form shows in the same series and alerts.
   */
  check(a: PasswordAttempt): Promise<{ user: UserRecord; amr: string[] }> {
    return stall(this.deps.stallMs, () => this.counted(() => this.deps.authenticator.authenticate(a)));
  }

  private async counted<T>(attempt: () => Promise<T>): Promise<T> {
    try {
      const result = await attempt();
      this.deps.onOutcome?.('success');
      return result;
    } catch (err) {
      this.deps.onOutcome?.(err instanceof GatehouseError ? err.code : 'INTERNAL');
      throw err;
    }
  }
}
