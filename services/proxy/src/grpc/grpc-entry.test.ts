import { grpcTargetAddresses, parseGrpcTimeout } from './grpc-entry.js';

describe('parseGrpcTimeout', () => {
  it.each([
    ['100m', 100],
    ['2S', 2000],
    ['1M', 60_000],
  ])('reads %s as %d ms', (v, ms) => {
    expect(parseGrpcTimeout(v)).toBe(ms);
  });

  it.each(['', '1x', '123456789S', undefined])('ignores %s', (v) => {
    expect(parseGrpcTimeout(v)).toBeUndefined();
  });

  it('a 30-day deadline (2592000S) stays a long wait, not a timer that overflows and fires at once', () => {
    const ms = parseGrpcTimeout('2592000S')!;
    expect(ms).toBeGreaterThan(24 * 86_400_000);
    // node clamps longer delays to 1 ms (TimeoutOverflowWarning): the call would end DEADLINE_EXCEEDED at once.
    expect(ms + 50).toBeLessThanOrEqual(2_147_483_647);
    expect(parseGrpcTimeout('99999999H')! + 50).toBeLessThanOrEqual(2_147_483_647);
  });
});

describe('grpcTargetAddresses', () => {
  it.each([
    ['auth-basic:9221', ['auth-basic:9221']],
    ['dns:///auth-basic-grpc:9221', ['auth-basic-grpc:9221']],
    ['ipv4:10.0.0.5:9211,10.0.0.6:9211', ['10.0.0.5:9211', '10.0.0.6:9211']],
    ['ipv6:[::1]:9211', ['[::1]:9211']],
  ])('reads the instances of %s', (target, addrs) => {
    expect(grpcTargetAddresses(target)).toEqual(addrs);
  });
});
