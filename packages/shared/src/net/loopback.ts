import { isIP } from 'node:net';
import { createTrustedPeers } from './trusted-peers.js';

const isLoopbackIp = createTrustedPeers(['loopback']);

/**
 * Whether a URL points at this machine (localhost, 127.0.0.0/8, ::1). Plain-http OIDC issuers are
 * accepted only there (development and tests); anything else must be https.
 */
export function isLoopbackUrl(url: string | URL): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  return isIP(bare) !== 0 && isLoopbackIp(bare);
}
