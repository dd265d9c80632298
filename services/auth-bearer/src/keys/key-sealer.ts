import { decrypt, deriveKey, encrypt } from '@gatehouse/shared/crypto';

/**
 * Private keys at rest: AES-256-GCM under a key derived from GATEHOUSE_SECRET, with the kid as
 * associated data, so a sealed key cannot be moved to another kid's record.
 */
export class KeySealer {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = deriveKey(secret, 'signing-keys');
  }

  seal(pem: string, kid: string): string {
    return encrypt(this.key, pem, kid);
  }

  unseal(sealed: string, kid: string): string {
    return decrypt(this.key, sealed, kid).toString('utf8');
  }
}
