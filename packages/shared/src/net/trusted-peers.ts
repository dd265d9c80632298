import { BlockList, isIP } from 'node:net';
import { unmapIpv4 } from './ip-address.js';

/**
 * Named ranges a trusted-peer list may use, as Express/proxy-addr name them: `loopback` (the
 * proxy on the same host), `linklocal`, `uniquelocal` (private networks: a proxy in the same
 * cluster).
 */
export const TRUSTED_PEER_KEYWORDS: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** The peers (reverse proxies) whose X-Forwarded-For is believed. */
export interface TrustedPeers {
  /** The entries as configured (IPs, CIDRs, keywords); empty when nobody is trusted. */
  readonly entries: readonly string[];
  /** Whether `ip` (IPv4, IPv6 or IPv4-mapped IPv6) is one of them. Not an IP: false. */
  trusts(ip: string): boolean;
}

/** Why an entry is not an IP, a CIDR or a keyword; undefined when it is one. */
export function trustedPeerEntryProblem(entry: string): string | undefined {
  if (entry in TRUSTED_PEER_KEYWORDS) return undefined;
  const [addr = '', bits, ...rest] = entry.split('/');
  const family = isIP(addr);
  if (rest.length > 0 || family === 0) return `"${entry}" is not an IP, a CIDR or one of ${Object.keys(TRUSTED_PEER_KEYWORDS).join(', ')}`;
  if (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)))
    return `"${entry}" has an invalid prefix length`;
  return undefined;
}

/**
 * Parses a trusted-peer list: comma-separated IPs, CIDRs and the keywords above. `false` (or an
 * empty list) trusts nobody. Throws on any invalid entry: a typo must not silently trust nobody,
 * or everybody.
 */
export function parseTrustedPeers(spec: string | readonly string[]): TrustedPeers {
  const entries = (typeof spec === 'string' ? spec.split(',') : spec).map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 1 && entries[0] === 'false') return NO_TRUSTED_PEERS;
  const list = new BlockList();
  for (const entry of entries) {
    const problem = trustedPeerEntryProblem(entry);
    if (problem) throw new Error(problem);
    for (const range of TRUSTED_PEER_KEYWORDS[entry] ?? [entry]) {
      const [addr = '', bits] = range.split('/');
      const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) list.addAddress(addr, type);
      else list.addSubnet(addr, Number(bits), type);
    }
  }
  if (entries.length === 0) return NO_TRUSTED_PEERS;
  return {
    entries,
    trusts(ip) {
      const plain = unmapIpv4(ip);
      const family = isIP(plain);
      return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

/** Nobody's X-Forwarded-For is believed: the client is the socket peer. */
export const NO_TRUSTED_PEERS: TrustedPeers = { entries: [], trusts: () => false };
