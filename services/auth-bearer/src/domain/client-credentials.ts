import { createHash, timingSafeEqual } from 'node:crypto';

export interface ClientWithSecret {
  client_id: string;
  /** SHA-256 of the secret, hex or base64url. */
  secret_sha256: string;
}

const digestBytes = (configured: string): Buffer =>
  /^[0-9a-fA-F]{64}$/.test(configured) ? Buffer.from(configured, 'hex') : Buffer.from(configured, 'base64url');
const DUMMY = Buffer.alloc(32);

/**
 * Finds the client whose id and secret match. The secret's digest is compared in constant time,
 * and an unknown client id costs the same as a wrong secret (no client-id oracle).
 */
export function authenticateClient<C extends ClientWithSecret>(clients: readonly C[], clientId: string, secret: string): C | null {
  const presented = createHash('sha256').update(secret, 'utf8').digest();
  const client = clients.find((c) => c.client_id === clientId);
  const expected = client ? digestBytes(client.secret_sha256) : DUMMY;
  const ok = expected.length === presented.length && timingSafeEqual(expected, presented);
  return client && ok && secret.length > 0 ? client : null;
}
