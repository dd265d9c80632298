import { isIP } from 'node:net';
import { createTrustedPeers } from './trusted-peers.js';

const isLoopbackIp = createTrustedPeers(['loopback']);

/**
 * Whether a URL points at this machine (localhost, 127.0.0.0/8, ::1): the one rule for where plain
 * http is accepted (OIDC issuers and provider endpoints, in development and tests); anything else
 * must be https. Subdomains of localhost are not: not every resolver keeps them on this machine.
 */
export function isLoopbackUrl(url: string | URL): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === 'localhost') return true;
  return isIP(bare) !== 0 && isLoopbackIp(bare);
}
