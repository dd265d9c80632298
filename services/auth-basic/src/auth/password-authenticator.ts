import { GatehouseError, isGatehouseError, type Logger } from '@gatehouse/shared';
import { LOCAL_PROVIDER, normalizeEmail, type UserRecord } from '../domain/user.js';
import type { PasswordHasher } from '../passwords/password-hasher.js';
import type { UserStore } from '../store/user-store.js';
import type { LoginLimiter } from './login-limiter.js';
import type { TotpService } from './totp-service.js';

export interface PasswordAttempt {
  email: unknown;
  password: unknown;
  /** TOTP or recovery code; undefined when the transport has no field for it. */
  otp?: unknown;
  ip: string;
}

export interface Authenticated {
  user: UserRecord;
  amr: string[];
}

/** Longest password accepted at login (bytes): longer input is a failure, not work for bcrypt. */
const MAX_PASSWORD_BYTES = 4096;

const invalid = () => new GatehouseError('INVALID_CREDENTIALS');

/**
 * Checks an e-mail + password (+ TOTP). One generic INVALID_CREDENTIALS for an unknown e-mail,
 * a wrong password, an inactive user or an SSO user; INVALID_OTP once the password is right
 * and the enrolled TOTP is missing or wrong. The limiter reserves the attempt before any check;
 * a wrong password or code counts as a failure, a missing code counts for nothing.
 */
export class PasswordAuthenticator {
  constructor(
    private readonly deps: { users: UserStore; hasher: PasswordHasher; limiter: LoginLimiter; totp: TotpService; logger: Logger },
  ) {}

  async authenticate(a: PasswordAttempt): Promise<Authenticated> {
    let email: string;
    try {
      email = normalizeEmail(a.email);
    } catch {
      throw invalid();
    }
    if (typeof a.password !== 'string' || a.password === '' || Buffer.byteLength(a.password) > MAX_PASSWORD_BYTES) throw invalid();
    const attempt = await this.deps.limiter.begin(email, a.ip);
    let user!: UserRecord;
    const amr = ['pwd'];
    try {
      const found = await this.deps.users.getByEmail(email);
      const ok = found?.password_hash
        ? await this.deps.hasher.verify(a.password, found.password_hash)
        : await this.deps.hasher.verifyDummy(a.password);
      if (!found || !ok || found.status !== 'active' || found.provider !== LOCAL_PROVIDER) {
        await attempt.failed();
        throw invalid();
      }
      user = found;
      if (user.totp_secret_enc) {
        // A missing code is not counted: only the right password gets here, and the two-step
        // form (password, then code) would otherwise spend the user's free attempts.
        if (a.otp === undefined || a.otp === null || a.otp === '')
          throw new GatehouseError('INVALID_OTP', { message: 'A one-time password is required.' });
        if (!(await this.deps.totp.verify(user, a.otp))) {
          await attempt.failed();
          throw new GatehouseError('INVALID_OTP');
        }
        amr.push('otp');
      }
      await attempt.succeeded();
    } finally {
      // Any other ending (busy hash queue, missing code, an error) counts for nothing. No-op after a verdict.
      await attempt.released();
    }

    await this.upgradeHash(user, a.password);
    return { user, amr };
  }

  /** Rehashes at the configured cost after a successful login; a failure here never fails the login. */
  private async upgradeHash(user: UserRecord, password: string): Promise<void> {
    if (!user.password_hash || !this.deps.hasher.needsRehash(user.password_hash)) return;
    try {
      const old = user.password_hash;
      const hash = await this.deps.hasher.hash(password);
      await this.deps.users.update(user.id, (u) => (u.password_hash === old ? { ...u, password_hash: hash } : u));
    } catch (err) {
      if (!isGatehouseError(err) || err.code === 'INTERNAL') this.deps.logger.warn({ err, user_id: user.id }, 'password rehash failed');
    }
  }
}
