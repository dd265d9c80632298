import { addressLimitKey } from './limit-key.js';

describe('addressLimitKey', () => {
  it('keeps IPv4 addresses (and unmaps IPv4-mapped IPv6)', () => {
    expect(addressLimitKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressLimitKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('attack: rotating IPv6 addresses inside one /64 counts as one subject', () => {
    const keys = new Set(
      ['2001:db8:1:2::1', '2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0db8:0001:0002:dead:beef:0:1', '2001:DB8:1:2::9%eth0'].map(
        addressLimitKey,
      ),
    );
    expect([...keys]).toEqual(['2001:db8:1:2::/64']);
    expect(addressLimitKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
  });

  it('expands every IPv6 spelling: ::, leading ::, embedded IPv4', () => {
    expect(addressLimitKey('::1')).toBe('0:0:0:0::/64');
    expect(addressLimitKey('fe80::1')).toBe('fe80:0:0:0::/64');
    expect(addressLimitKey('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64');
    expect(addressLimitKey('1:2:3:4:5:6:192.0.2.33')).toBe('1:2:3:4::/64');
  });

  it('leaves what is not an address alone', () => {
    expect(addressLimitKey('unknown')).toBe('unknown');
    expect(addressLimitKey('')).toBe('');
  });
});
