import type { JWK } from 'jose';
import type { KeySource } from '@gatehouse/shared/jwt';
import type { SigningKey, SigningKeys } from '../domain/ports.js';
import { FileKeyRing } from './file-key-ring.js';
import { StoreKeyRing, type StoreKeyRingOptions } from './store-key-ring.js';

export type { SigningAlg } from '../domain/ports.js';

export interface KeyRingOptions extends StoreKeyRingOptions {
  /** A PKCS#8 PEM key from configuration: then it is the only key and rotation is refused. */
  pem?: string | undefined;
}

/**
 * auth-bearer's signing keys: the configured file key when AUTH_BEARER_SIGNING_KEY is set, else the
 * keys shared through the store (store-key-ring.ts). One face for app.ts, the routes and events.
 */
export class KeyRing implements SigningKeys {
  private readonly impl: FileKeyRing | StoreKeyRing;

  constructor(opts: KeyRingOptions) {
    this.impl = opts.pem !== undefined ? new FileKeyRing(opts.pem, opts.alg) : new StoreKeyRing(opts);
  }

  get fromFile(): boolean {
    return this.impl instanceof FileKeyRing;
  }

  init(): Promise<void> {
    return this.impl.init();
  }

  /** Forget the cached view (a rotation happened elsewhere); a file key has none. */
  invalidate(): void {
    if (this.impl instanceof StoreKeyRing) this.impl.invalidate();
  }

  active(): Promise<SigningKey> {
    return this.impl.active();
  }

  jwks(): Promise<{ keys: JWK[] }> {
    return this.impl.jwks();
  }

  /** Private JWKs for the built-in OpenID Provider, the active key first; `version` changes with a rotation. */
  signingJwks(): Promise<{ version: string; keys: JWK[] }> {
    return this.impl.signingJwks();
  }

  rotate(): Promise<{ kid: string; published: string[] }> {
    return this.impl.rotate();
  }

  keySource(): KeySource {
    return this.impl.keySource();
  }
}
