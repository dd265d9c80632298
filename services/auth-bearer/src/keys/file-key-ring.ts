import type { JWK } from 'jose';
import { GatehouseError } from '@gatehouse/shared/errors';
import type { KeySource } from '@gatehouse/shared/jwt';
import type { SigningAlg, SigningKey, SigningKeys } from '../domain/ports.js';
import { signingJwksOf, signingKeyFromPem } from './signing-key.js';

/**
 * The one key of AUTH_BEARER_SIGNING_KEY(_FILE): nothing is kept in the store, and rotation is
 * refused (replace the file instead).
 */
export class FileKeyRing implements SigningKeys {
  private key: SigningKey | undefined;

  constructor(
    private readonly pem: string,
    private readonly alg: SigningAlg,
  ) {}

  async init(): Promise<void> {
    this.key = await signingKeyFromPem(this.pem, this.alg);
  }

  private loaded(): SigningKey {
    if (!this.key) throw new GatehouseError('SERVICE_UNAVAILABLE', { detail: 'signing key not loaded yet', retryAfter: 1 });
    return this.key;
  }

  async active(): Promise<SigningKey> {
    return this.loaded();
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    return { keys: [this.loaded().publicJwk] };
  }

  async signingJwks(): Promise<{ version: string; keys: JWK[] }> {
    return signingJwksOf(this.loaded(), []);
  }

  async rotate(): Promise<{ kid: string; published: string[] }> {
    throw new GatehouseError('INVALID_REQUEST', { message: 'The signing key is loaded from a file; rotate it by replacing the file.' });
  }

  keySource(): KeySource {
    return {
      getKey: async (kid, alg) => {
        const k = this.loaded();
        return kid && k.kid === kid && k.alg === alg ? k.publicKey : undefined;
      },
    };
  }
}
