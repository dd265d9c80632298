import { Metadata } from '@grpc/grpc-js';
import { clientAddress, peerAddress } from '../grpc/client-address.js';
import { createTrustedPeers, isTrustedPeerEntry } from './trusted-peers.js';

describe('createTrustedPeers', () => {
  it('matches CIDRs and single addresses, IPv4-mapped too', () => {
    const t = createTrustedPeers(['10.0.0.0/8', '192.168.1.1', '::1']);
    expect(t('10.1.2.3')).toBe(true);
    expect(t('::ffff:10.1.2.3')).toBe(true);
    expect(t('192.168.1.1')).toBe(true);
    expect(t('192.168.1.2')).toBe(false);
    expect(t('::1')).toBe(true);
    expect(createTrustedPeers([])('10.1.2.3')).toBe(false);
  });

  it('knows the keywords loopback, linklocal and uniquelocal', () => {
    expect(createTrustedPeers(['loopback'])('127.0.0.1')).toBe(true);
    expect(createTrustedPeers(['loopback'])('10.0.0.1')).toBe(false);
    expect(createTrustedPeers(['uniquelocal'])('172.20.0.3')).toBe(true);
    expect(createTrustedPeers(['uniquelocal'])('8.8.8.8')).toBe(false);
    expect(createTrustedPeers(['linklocal'])('169.254.1.1')).toBe(true);
  });

  it('validates entries', () => {
    for (const ok of ['loopback', '10.0.0.0/8', '::1', 'fc00::/7']) expect(isTrustedPeerEntry(ok)).toBe(true);
    for (const bad of ['', 'local', '10.0.0.0/33', '10.0.0/8', 'example.org', '1.2.3.4/8/1']) expect(isTrustedPeerEntry(bad)).toBe(false);
  });
});

describe('clientAddress', () => {
  const md = (xff?: string) => {
    const m = new Metadata();
    if (xff !== undefined) m.set('x-forwarded-for', xff);
    return m;
  };
  const loopback = createTrustedPeers(['loopback']);

  it('believes the last forwarded address only from a trusted peer', () => {
    expect(clientAddress('ipv4:127.0.0.1:5000', md('6.6.6.6, 203.0.113.9'), loopback)).toBe('203.0.113.9');
    expect(clientAddress('ipv4:10.0.0.7:5000', md('203.0.113.9'), loopback)).toBe('10.0.0.7');
    expect(clientAddress('ipv6:[::1]:5000', md(), loopback)).toBe('::1');
  });

  it('reads grpc-js peers and unmaps IPv4-mapped addresses', () => {
    expect(peerAddress('ipv4:10.1.1.1:443')).toBe('10.1.1.1');
    expect(peerAddress('ipv6:[::ffff:10.1.1.1]:443')).toBe('10.1.1.1');
  });
});
