import { clientAddress, MAX_FORWARDED_HOPS } from './client-address.js';
import { grpcPeerAddress, unmapIpv4 } from './ip-address.js';
import { isLoopbackHost } from './loopback-host.js';
import { NO_TRUSTED_PEERS, parseTrustedPeers, trustedPeerEntryProblem } from './trusted-peers.js';

describe('unmapIpv4 and grpcPeerAddress', () => {
  it.each([
    ['::ffff:10.0.0.5', '10.0.0.5'],
    ['::FFFF:127.0.0.1', '127.0.0.1'],
    ['10.0.0.5', '10.0.0.5'],
    ['::1', '::1'],
    ['::ffff:abcd', '::ffff:abcd'],
  ])('unmaps %s to %s', (input, out) => expect(unmapIpv4(input)).toBe(out));

  it.each([
    ['ipv4:10.0.0.1:5555', '10.0.0.1'],
    ['ipv6:[::1]:5555', '::1'],
    ['ipv6:[::ffff:127.0.0.1]:40000', '127.0.0.1'],
    ['127.0.0.1:80', '127.0.0.1'],
    ['unix:/tmp/s.sock', 'unix:/tmp/s.sock'],
  ])('reads the address of the gRPC peer %s', (peer, out) => expect(grpcPeerAddress(peer)).toBe(out));
});

describe('parseTrustedPeers', () => {
  it('trusts IPs, CIDRs and the loopback, linklocal and uniquelocal keywords (IPv4-mapped too)', () => {
    const t = parseTrustedPeers('loopback, 192.0.2.10, 198.51.100.0/24, fd00::/8');
    expect(t.entries).toEqual(['loopback', '192.0.2.10', '198.51.100.0/24', 'fd00::/8']);
    for (const ip of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1', '192.0.2.10', '198.51.100.77', 'fd00::1'])
      expect(t.trusts(ip)).toBe(true);
    for (const ip of ['192.0.2.11', '10.0.0.1', '::2', 'fe80::1', 'not an ip', '']) expect(t.trusts(ip)).toBe(false);
    expect(parseTrustedPeers('uniquelocal').trusts('172.20.1.1')).toBe(true);
    expect(parseTrustedPeers('uniquelocal').trusts('172.32.0.1')).toBe(false);
    expect(parseTrustedPeers('linklocal').trusts('169.254.1.1')).toBe(true);
  });

  it('trusts nobody with false or an empty list', () => {
    for (const spec of ['false', '', ' , ', []]) {
      const t = parseTrustedPeers(spec);
      expect(t.entries).toEqual([]);
      expect(t.trusts('127.0.0.1')).toBe(false);
    }
  });

  it.each(['true', '*', '1', '10.0.0.0/33', '::/129', 'proxy.internal', '10.0.0.1/8/8', '10.0.0.0/x', 'loopback,false'])(
    'refuses the entry list %s instead of trusting nobody or everybody',
    (spec) => {
      expect(() => parseTrustedPeers(spec)).toThrow(/not an IP|prefix length/);
    },
  );

  it('names the bad entry', () => {
    expect(trustedPeerEntryProblem('proxy.internal')).toMatch(/"proxy.internal"/);
    expect(trustedPeerEntryProblem('10.0.0.0/8')).toBeUndefined();
  });
});

describe('clientAddress', () => {
  const loopback = parseTrustedPeers('loopback');

  it('is the socket peer when the peer is not trusted, whatever X-Forwarded-For says (spoofing)', () => {
    expect(clientAddress('203.0.113.9', '198.51.100.1', loopback)).toBe('203.0.113.9');
    expect(clientAddress('::ffff:127.0.0.1', '198.51.100.1', NO_TRUSTED_PEERS)).toBe('127.0.0.1');
  });

  it('believes the address a trusted proxy appended', () => {
    expect(clientAddress('::ffff:127.0.0.1', '203.0.113.7', loopback)).toBe('203.0.113.7');
    expect(clientAddress('127.0.0.1', ['203.0.113.7'], loopback)).toBe('203.0.113.7');
  });

  it('ignores addresses the client prepended to X-Forwarded-For before the trusted proxy appended its peer', () => {
    expect(clientAddress('127.0.0.1', '198.51.100.66, 203.0.113.7', loopback)).toBe('203.0.113.7');
    expect(clientAddress('127.0.0.1', ['198.51.100.66', '203.0.113.7'], loopback)).toBe('203.0.113.7');
  });

  it('walks past a chain of trusted proxies to the first untrusted hop', () => {
    const chain = parseTrustedPeers('loopback, 10.0.0.0/8');
    expect(clientAddress('127.0.0.1', '198.51.100.66, 203.0.113.7, 10.1.1.1', chain)).toBe('203.0.113.7');
    expect(clientAddress('127.0.0.1', '10.2.2.2, 10.1.1.1', chain)).toBe('10.2.2.2');
  });

  it('stops at the last real address on a malformed hop, and keeps the peer without X-Forwarded-For', () => {
    expect(clientAddress('127.0.0.1', `<script>, ${'x'.repeat(100)}`, loopback)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', 'garbage, 127.0.0.2', loopback)).toBe('127.0.0.2');
    expect(clientAddress('127.0.0.1', undefined, loopback)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', '', loopback)).toBe('127.0.0.1');
  });

  it(`looks at ${MAX_FORWARDED_HOPS} hops at most`, () => {
    const many = Array.from({ length: MAX_FORWARDED_HOPS + 5 }, () => '127.0.0.5').join(', ');
    expect(clientAddress('127.0.0.1', `203.0.113.1, ${many}`, loopback)).toBe('127.0.0.5');
  });
});

describe("the proxy's former createTrustedProxies cases, on the shared list", () => {
  it('matches CIDRs and single addresses, IPv4-mapped too', () => {
    const t = parseTrustedPeers(['10.0.0.0/8', '192.168.1.1', '::1']);
    expect(t.trusts('10.1.2.3')).toBe(true);
    expect(t.trusts('::ffff:10.1.2.3')).toBe(true);
    expect(t.trusts('192.168.1.1')).toBe(true);
    expect(t.trusts('192.168.1.2')).toBe(false);
    expect(t.trusts('::1')).toBe(true);
    expect(parseTrustedPeers([]).trusts('10.1.2.3')).toBe(false);
  });
});

describe('isLoopbackHost', () => {
  it.each(['localhost', 'LOCALHOST', '127.0.0.1', '127.8.9.10', '[::1]', '::1'])('is true for %s', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });
  it.each([
    'example.com',
    'localhost.example.com',
    'app.localhost',
    '127.0.0.1.evil.example',
    '128.0.0.1',
    '10.0.0.1',
    '[::2]',
    '0.0.0.0',
    '',
  ])('is false for %s', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});
