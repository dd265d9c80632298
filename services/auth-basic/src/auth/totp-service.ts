import { GatehouseError, decrypt, deriveKey, encrypt, safeEqual, type Clock } from '@gatehouse/shared';
import { TOTP_STEP_MS, generateTotpSecret, isRecoveryCodeShape, matchTotpStep, totpUri } from '../domain/totp.js';
import { LOCAL_PROVIDER, type UserRecord } from '../domain/user.js';
import type { PasswordHasher } from '../passwords/password-hasher.js';
import type { LoginLimiter } from './login-limiter.js';
import type { TotpStore } from '../store/token-store.js';
import type { UserStore } from '../store/user-store.js';
import { digestRecoveryCode, newRecoveryCodes } from './recovery-codes.js';

/**
 * TOTP: enrollment (generate → enable with a valid code), verification at login (single use per
 * time step, ±1 step), recovery codes (single use), and disabling with a code or the password.
 * Secrets are sealed with AES-GCM under a key derived for 'totp', bound to the user id.
 */
export class TotpService {
  private readonly key: Buffer;
  private readonly recoveryKey: Buffer;

  constructor(
    private readonly deps: {
      users: UserStore;
      store: TotpStore;
      hasher: PasswordHasher;
      limiter: LoginLimiter;
      clock: Clock;
      issuer: string;
      recoveryCodes: number;
      enrollmentTtlMs: number;
    },
    secret: string,
  ) {
    this.key = deriveKey(secret, 'totp');
    this.recoveryKey = deriveKey(secret, 'totp-recovery');
  }

  private seal(userId: string, secret: string): string {
    return encrypt(this.key, secret, `totp:${userId}`);
  }

  private open(userId: string, sealed: string): string {
    return decrypt(this.key, sealed, `totp:${userId}`).toString('utf8');
  }

  /**
   * Runs a check of the user's password or code under the login limiter (account + IP): a stolen
   * session must not be a free guessing oracle. A wrong answer counts as a login failure.
   */
  private async limited(u: UserRecord, ip: string, check: () => Promise<boolean>, wrong: () => GatehouseError): Promise<void> {
    const attempt = await this.deps.limiter.begin(u.email, ip);
    try {
      if (!(await check())) {
        await attempt.failed();
        throw wrong();
      }
      await attempt.succeeded();
    } finally {
      await attempt.released();
    }
  }

  private async requirePassword(u: UserRecord, password: unknown, ip: string): Promise<void> {
    if (typeof password !== 'string' || password === '' || Buffer.byteLength(password) > 4096)
      throw new GatehouseError('INVALID_CREDENTIALS');
    await this.limited(
      u,
      ip,
      async () =>
        u.password_hash !== undefined && u.provider === LOCAL_PROVIDER && (await this.deps.hasher.verify(password, u.password_hash)),
      () => new GatehouseError('INVALID_CREDENTIALS'),
    );
  }

  async generate(u: UserRecord, password: unknown, ip: string): Promise<{ secret: string; otpauth_url: string }> {
    await this.requirePassword(u, password, ip);
    if (u.totp_secret_enc) throw new GatehouseError('INVALID_PAYLOAD', { message: 'TOTP is already enabled for this user.' });
    const secret = generateTotpSecret();
    await this.deps.store.putPending(u.id, this.seal(u.id, secret), this.deps.enrollmentTtlMs);
    return { secret, otpauth_url: totpUri(secret, u.email, this.deps.issuer) };
  }

  /** Enables the pending secret when `otp` is valid for it; returns the recovery codes (shown once). */
  async enable(u: UserRecord, secret: unknown, otp: unknown): Promise<{ recovery_codes: string[] }> {
    if (typeof secret !== 'string' || typeof otp !== 'string')
      throw new GatehouseError('INVALID_PAYLOAD', { message: '"secret" and "otp" are required.' });
    if (u.totp_secret_enc) throw new GatehouseError('INVALID_PAYLOAD', { message: 'TOTP is already enabled for this user.' });
    const pending = await this.deps.store.getPending(u.id);
    if (!pending || !safeEqual(this.open(u.id, pending), secret))
      throw new GatehouseError('INVALID_PAYLOAD', {
        message: 'Unknown or expired TOTP secret; generate a new one.',
        extensions: { field: 'secret' },
      });
    if (!(await this.useTotp(u.id, secret, otp))) throw new GatehouseError('INVALID_OTP');
    const { codes, digests } = newRecoveryCodes(this.recoveryKey, this.deps.recoveryCodes);
    const sealed = this.seal(u.id, secret);
    const now = this.deps.clock.now();
    await this.deps.users.update(u.id, (x) => ({ ...x, totp_secret_enc: sealed, recovery_codes: digests, updated_at_ms: now }));
    await this.deps.store.clearPending(u.id);
    return { recovery_codes: codes };
  }

  async disable(u: UserRecord, input: { otp?: unknown; password?: unknown }, ip: string): Promise<void> {
    if (!u.totp_secret_enc) throw new GatehouseError('INVALID_PAYLOAD', { message: 'TOTP is not enabled for this user.' });
    if (input.otp !== undefined) {
      await this.limited(
        u,
        ip,
        () => this.verify(u, input.otp),
        () => new GatehouseError('INVALID_OTP'),
      );
    } else {
      await this.requirePassword(u, input.password, ip);
    }
    const now = this.deps.clock.now();
    await this.deps.users.update(u.id, (x) => {
      const { totp_secret_enc: _s, recovery_codes: _r, ...rest } = x;
      return { ...rest, updated_at_ms: now };
    });
  }

  /** A TOTP code (single use per step) or a recovery code (single use), for an enrolled user. */
  async verify(u: UserRecord, otp: unknown): Promise<boolean> {
    if (typeof otp !== 'string' || otp.length > 32 || !u.totp_secret_enc) return false;
    if (isRecoveryCodeShape(otp)) return this.useRecoveryCode(u.id, otp);
    return this.useTotp(u.id, this.open(u.id, u.totp_secret_enc), otp);
  }

  private async useTotp(userId: string, secret: string, otp: string): Promise<boolean> {
    const step = matchTotpStep(otp, secret, this.deps.clock.now());
    if (step === null) return false;
    // Kept past the ±1 window so a replay inside it always finds the mark.
    return this.deps.store.markStepUsed(userId, step, (2 * 1 + 2) * TOTP_STEP_MS);
  }

  private async useRecoveryCode(userId: string, code: string): Promise<boolean> {
    const digest = digestRecoveryCode(this.recoveryKey, code);
    let used = false;
    await this.deps.users.update(userId, (x) => {
      const left = (x.recovery_codes ?? []).filter((d) => !safeEqual(d, digest));
      used = left.length !== (x.recovery_codes ?? []).length;
      return used ? { ...x, recovery_codes: left } : x;
    });
    return used;
  }
}
