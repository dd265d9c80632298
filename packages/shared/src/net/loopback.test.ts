import { isLoopbackUrl } from './loopback.js';

describe('isLoopbackUrl', () => {
  it.each([
    ['http://127.0.0.1:9200/oidc', true],
    ['http://localhost:3000', true],
    ['http://[::1]:80/', true],
    ['http://127.8.9.10/', true],
    ['http://10.0.0.1/', false],
    ['http://idp.example/', false],
    ['http://127.0.0.1.evil.example/', false],
    ['http://127.0.0.1.nip.io/', false],
    ['http://app.localhost/', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(isLoopbackUrl(url)).toBe(expected);
  });
});
