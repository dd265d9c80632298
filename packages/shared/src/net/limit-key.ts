import { isIP } from 'node:net';
import { unmapIpv4 } from './ip-address.js';

/** The eight 16-bit groups of a valid IPv6 address (zone dropped, embedded IPv4 folded in). */
function ipv6Groups(ip: string): number[] | undefined {
  let s = ip.split('%')[0]!;
  let v4: number[] = [];
  const m = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (m) {
    const p = m[2]!.split('.').map(Number);
    v4 = [(p[0]! << 8) | p[1]!, (p[2]! << 8) | p[3]!];
    s = m[1]!.endsWith('::') ? m[1]! : m[1]!.slice(0, -1);
  }
  const [head = '', tail] = s.split('::');
  const hex = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const h = hex(head);
  const groups =
    tail === undefined
      ? [...h, ...v4]
      : [...h, ...new Array<number>(8 - h.length - hex(tail).length - v4.length).fill(0), ...hex(tail), ...v4];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/**
 * The subject a per-address limit counts (login failures, key exchanges, CLI logins): an IPv4
 * address as it is; an IPv6 address by its /64, one subscriber's allocation, so rotating through
 * the 2^64 addresses of one's own network never dodges a limit. Anything else (`unknown`, a unix
 * socket) unchanged.
 */
export function addressLimitKey(ip: string): string {
  const plain = unmapIpv4(ip.trim());
  if (isIP(plain) !== 6) return plain;
  const groups = ipv6Groups(plain);
  if (!groups) return plain;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
