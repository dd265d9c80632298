import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** The keywords Express's `trust proxy` also knows, as address ranges. */
const KEYWORDS: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) as the IPv4 address it is. */
export function unmapIPv4(ip: string): string {
  return ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

/** Whether an entry of a trusted-peer list is valid: an IP, a CIDR or a keyword. */
export function isTrustedPeerEntry(entry: string): boolean {
  if (entry in KEYWORDS) return true;
  const [addr, bits, extra] = entry.split('/');
  if (extra !== undefined || !addr) return false;
  const max = isIPv4(addr) ? 32 : isIPv6(addr) ? 128 : -1;
  if (max < 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
}

/**
 * Peers whose forwarded client address (X-Forwarded-For, or the proxy's `x-forwarded-for` gRPC
 * metadata) is believed: IPs, CIDRs and the keywords loopback, linklocal, uniquelocal. Everything
 * else is ignored and the socket's peer is the client. An empty list trusts nobody.
 */
export function createTrustedPeers(list: readonly string[]): (ip: string) => boolean {
  if (list.length === 0) return () => false;
  const bl = new BlockList();
  for (const entry of list.flatMap((e) => KEYWORDS[e] ?? [e])) {
    const [addr, bits] = entry.split('/');
    const type = isIPv6(addr!) ? 'ipv6' : 'ipv4';
    if (bits === undefined) bl.addAddress(addr!, type);
    else bl.addSubnet(addr!, Number(bits), type);
  }
  return (ip) => {
    const v4 = unmapIPv4(ip);
    if (isIPv4(v4)) return bl.check(v4, 'ipv4');
    if (isIPv6(v4)) return bl.check(v4, 'ipv6');
    return false;
  };
}
