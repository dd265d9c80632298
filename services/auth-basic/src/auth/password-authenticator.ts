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
 * and the enrolled TOTP is missing or wrong. Failures feed the limiter; the limiter is asked first.
 */
export class PasswordAuthenticator {
  constructor(private readonly deps: { users: UserStore; hasher: PasswordHasher; limiter: LoginLimiter; totp: TotpService; logger: Logger }) {}

  async authenticate(a: PasswordAttempt): Promise<Authenticated> {
    let email: string;
    try {
      email = normalizeEmail(a.email);
    } catch {
      throw invalid();
    }
    if (typeof a.password !== 'string' || a.password === '' || Buffer.byteLength(a.password) > MAX_PASSWORD_BYTES) throw invalid();
    await this.deps.limiter.check(email, a.ip);

    const user = await this.deps.users.getByEmail(email);
    const ok = user?.password_hash ? await this.deps.hasher.verify(a.password, user.password_hash) : await this.deps.hasher.verifyDummy(a.password);
    if (!user || !ok || user.status !== 'active' || user.provider !== LOCAL_PROVIDER) {
      await this.deps.limiter.recordFailure(email, a.ip);
      throw invalid();
    }

    const amr = ['pwd'];
    if (user.totp_secret_enc) {
      if (a.otp === undefined || a.otp === null || a.otp === '') throw new GatehouseError('INVALID_OTP', { message: 'A one-time password is required.' });
      if (!(await this.deps.totp.verify(user, a.otp))) {
        await this.deps.limiter.recordFailure(email, a.ip);
        throw new GatehouseError('INVALID_OTP');
      }
      amr.push('otp');
    }

    await this.deps.limiter.resetAccount(email);
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
