import { GatehouseError, randomToken, sha256, type Clock, type Logger } from '@gatehouse/shared';
import { checkPasswordPolicy, type PasswordPolicy } from '../domain/password-policy.js';
import { buildResetLink, checkResetUrl } from '../domain/reset-url.js';
import { LOCAL_PROVIDER, normalizeEmail } from '../domain/user.js';
import type { Mailer } from '../mail/mailer.js';
import type { ResetThrottle, ResetTokenStore } from '../store/token-store.js';
import type { UserStore } from '../store/user-store.js';
import type { LoginLimiter } from './login-limiter.js';
import { stall } from './stall.js';
import type { UserAdministration } from './user-administration.js';

export interface PasswordResetOptions {
  /** PUBLIC_URL + PASSWORD_RESET_PATH: the default link (never the request's Host). */
  defaultResetUrl: URL;
  allowList: string[];
  ttlMs: number;
  stallMs: number;
  /** PASSWORD_RESET_MIN_INTERVAL: at most one e-mail per address within it; 0 disables. */
  minIntervalMs: number;
  /** PASSWORD_RESET_ENABLED (default true): off, request and reset are FORBIDDEN. */
  enabled?: boolean;
}

const disabled = () => new GatehouseError('FORBIDDEN', { message: 'Password reset is disabled (PASSWORD_RESET_ENABLED=false).' });

/**
 * Password reset (Directus shapes). request: same answer and timing for every e-mail; the mail
 * goes out in the background so SMTP latency cannot tell either. reset: policy first, then the
 * single-use token, void once the password changed after it was issued; all sessions revoked (via setPassword), the account's login delay cleared.
 * Mailbox flooding: one e-mail per address per `minIntervalMs`; a throttled request answers the
 * same, but creates no token (the mailed link stays valid) and sends nothing. Store errors
 * propagate as everywhere else on this path (SERVICE_UNAVAILABLE).
 */
export class PasswordReset {
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly deps: {
      users: UserStore;
      directory: UserAdministration;
      tokens: ResetTokenStore;
      throttle: ResetThrottle;
      mailer: Mailer;
      limiter: LoginLimiter;
      policy: PasswordPolicy;
      clock: Clock;
      logger: Logger;
    },
    private readonly opts: PasswordResetOptions,
  ) {}

  request(emailInput: unknown, resetUrlInput: unknown): Promise<void> {
    if (this.opts.enabled === false) return Promise.reject(disabled());
    return stall(this.opts.stallMs, async () => {
      const base =
        resetUrlInput === undefined || resetUrlInput === null || resetUrlInput === ''
          ? this.opts.defaultResetUrl
          : checkResetUrl(resetUrlInput, this.opts.allowList);
      const email = normalizeEmail(emailInput);
      const user = await this.deps.users.getByEmail(email);
      if (!user || user.status !== 'active' || user.provider !== LOCAL_PROVIDER) return;
      let claim: string | null = null;
      if (this.opts.minIntervalMs > 0) {
        claim = await this.deps.throttle.claim(email, this.opts.minIntervalMs);
        if (claim === null) return; // throttled: same answer, no token, no mail
      }
      // Without a mail the address may ask again at once (best effort: the claim expires anyway).
      const release = () =>
        claim === null
          ? Promise.resolve()
          : this.deps.throttle
              .release(email, claim)
              .catch((err: unknown) => this.deps.logger.warn({ err, user_id: user.id }, 'could not release the password reset throttle'));
      const token = randomToken(32);
      try {
        await this.deps.tokens.put(user.id, sha256(token), this.opts.ttlMs, this.deps.clock.now());
      } catch (err) {
        await release();
        throw err;
      }
      const link = buildResetLink(base, token);
      const mail = this.deps.mailer
        .send({
          to: user.email,
          subject: 'Reset your password',
          text: `Someone asked to reset the password of ${user.email}.\n\nTo choose a new password, open:\n${link}\n\nThe link expires in ${Math.round(this.opts.ttlMs / 60_000)} minutes. If you did not ask for this, ignore this message.\n`,
        })
        .catch(async (err: unknown) => {
          this.deps.logger.error({ err, user_id: user.id }, 'could not send the password reset e-mail');
          await release();
        })
        .finally(() => this.inflight.delete(mail));
      this.inflight.add(mail);
    });
  }

  async reset(token: unknown, password: unknown): Promise<void> {
    if (this.opts.enabled === false) throw disabled();
    if (typeof token !== 'string' || token.length === 0 || token.length > 256)
      throw new GatehouseError('INVALID_PAYLOAD', { message: '"token" is required.', extensions: { field: 'token' } });
    checkPasswordPolicy(password, this.deps.policy);
    const taken = await this.deps.tokens.take(sha256(token));
    if (!taken) throw new GatehouseError('INVALID_TOKEN', { message: 'Invalid or expired reset token.' });
    const user = await this.deps.users.get(taken.userId);
    // A password changed since the link went out (admin, CLI, another reset) voids the link.
    const stale = (user?.password_changed_at_ms ?? 0) > taken.issuedAtMs;
    if (!user || stale || user.status !== 'active' || user.provider !== LOCAL_PROVIDER)
      throw new GatehouseError('INVALID_TOKEN', { message: 'Invalid or expired reset token.' });
    await this.deps.directory.setPassword(user.id, password);
    await this.deps.limiter.resetAccount(user.email);
  }

  /** Resolves when every e-mail queued so far has been handed over (stop(), tests). */
  async drain(): Promise<void> {
    await Promise.all([...this.inflight]);
  }
}
