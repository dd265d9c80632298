import { createHmac } from 'node:crypto';
import { deriveKey } from '@gatehouse/shared';
import type { HashPool } from './hash-pool.js';

/**
 * Passwords are pre-hashed with HMAC-SHA-256 under a server pepper (base64, 44 bytes) before
 * bcrypt: bcrypt ignores everything past 72 bytes, so without this two long passwords sharing
 * a 72-byte prefix would match, and a leaked database alone cannot be brute-forced.
 */
export class PasswordHasher {
  private readonly pepper: Buffer;
  private dummy: Promise<string> | undefined;

  constructor(
    private readonly pool: HashPool,
    secret: string,
    readonly cost: number,
    /** Called for every bcrypt comparison started (a metric or test hook: how many guesses reached bcrypt). */
    private readonly onCompare?: () => void,
  ) {
    this.pepper = deriveKey(secret, 'password-pepper');
  }

  private prehash(password: string): string {
    return createHmac('sha256', this.pepper).update(password, 'utf8').digest('base64');
  }

  async hash(password: string): Promise<string> {
    return (await this.pool.run({ op: 'hash', input: this.prehash(password), cost: this.cost })) as string;
  }

  async verify(password: string, hash: string): Promise<boolean> {
    this.onCompare?.();
    return (await this.pool.run({ op: 'compare', input: this.prehash(password), hash })) === true;
  }

  /** Spends the same work as a real check (unknown e-mail, SSO user), so timing says nothing. */
  async verifyDummy(password: string): Promise<false> {
    this.dummy ??= this.hash('gatehouse-dummy-password').catch((err: unknown) => {
      this.dummy = undefined;
      throw err;
    });
    const h = await this.dummy;
    await this.verify(password, h);
    return false;
  }

  /** True when the stored hash was made with another cost (upgraded at the next login). */
  needsRehash(hash: string): boolean {
    const m = /^\$2[abxy]\$(\d{2})\$/.exec(hash);
    return !m || Number(m[1]) !== this.cost;
  }
}
