import { generateKeyPair, exportJWK, type JWK, type CryptoKey } from 'jose';
import { randomUUID } from 'node:crypto';

/** A signing key pair generated at test start (no private key is ever committed). */
export async function testKeyPair(
  alg: 'ES256' | 'RS256' | 'EdDSA' = 'ES256',
): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey; publicJwk: JWK; kid: string; alg: string }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { privateKey, publicKey, publicJwk, kid, alg };
}
