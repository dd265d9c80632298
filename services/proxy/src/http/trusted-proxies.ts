import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** Peers whose X-Forwarded-* headers are believed. Everything else is ignored and overwritten. */
export function createTrustedProxies(list: readonly string[]): (ip: string) => boolean {
  if (list.length === 0) return () => false;
  const bl = new BlockList();
  for (const entry of list) {
    const [addr, bits] = entry.split('/');
    const type = isIPv6(addr!) ? 'ipv6' : 'ipv4';
    if (bits === undefined) bl.addAddress(addr!, type);
    else bl.addSubnet(addr!, Number(bits), type);
  }
  return (ip) => {
    const v4 = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
    if (isIPv4(v4)) return bl.check(v4, 'ipv4');
    if (isIPv6(v4)) return bl.check(v4, 'ipv6');
    return false;
  };
}
