import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, importJWK, importPKCS8, type CryptoKey, type JWK } from 'jose';
import type { SigningAlg, SigningKey } from '../domain/ports.js';

/**
 * A signing key from a PKCS#8 PEM private key. Its kid is the given one (store keys) or the
 * RFC 7638 thumbprint of its public key (a file key: stable across restarts and instances).
 */
export async function signingKeyFromPem(pem: string, alg: SigningAlg, kid?: string): Promise<SigningKey> {
  let privateKey: CryptoKey;
  let publicJwk: JWK;
  let privateJwk: JWK;
  try {
    privateKey = await importPKCS8(pem, alg, { extractable: false });
    const keyObject = createPrivateKey(pem);
    publicJwk = createPublicKey(keyObject).export({ format: 'jwk' });
    privateJwk = keyObject.export({ format: 'jwk' });
  } catch (err) {
    throw new Error(`signing key is not a PKCS#8 PEM ${alg} private key: ${(err as Error).message}`, { cause: err });
  }
  const id = kid ?? (await calculateJwkThumbprint(publicJwk));
  const jwk: JWK = { ...publicJwk, kid: id, alg, use: 'sig' };
  return {
    kid: id,
    alg,
    privateKey,
    publicKey: (await importJWK(jwk, alg)) as CryptoKey,
    publicJwk: jwk,
    privateJwk: { ...privateJwk, kid: id, alg, use: 'sig' },
    expiresAt: undefined,
  };
}

/** A new key pair with a random kid, and its private key as PEM (to be sealed into the store). */
export async function generateSigningKey(alg: SigningAlg): Promise<{ key: SigningKey; pem: string }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  const pem = await exportPKCS8(privateKey);
  const key: SigningKey = {
    kid,
    alg,
    privateKey,
    publicKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' },
    expiresAt: undefined,
  };
  return { key, pem };
}

/** A key is published (verifies tokens) until its window after retirement has passed. */
export function isPublished(key: Pick<SigningKey, 'expiresAt'>, now: number): boolean {
  return key.expiresAt === undefined || key.expiresAt > now;
}

/**
 * The private JWKs of the active key and the other published ones, the active key first, for the
 * built-in OpenID Provider: the same keys, so its tokens verify against the one JWKS. `version` (the
 * kids in order) changes with every rotation.
 */
export function signingJwksOf(active: SigningKey, others: readonly SigningKey[]): { version: string; keys: JWK[] } {
  const keys = [active, ...others.filter((k) => k.kid !== active.kid)].map((k) => k.privateJwk);
  return { version: keys.map((k) => k.kid).join(','), keys };
}
