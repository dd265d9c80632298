import { createServer } from 'node:http';
import { listenerBase, localIssuerFetch } from './local-issuer-fetch.js';

describe('localIssuerFetch', () => {
  it('sends requests under the issuer to the same path on the local listener, and refuses any other URL', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const f = localIssuerFetch('https://gatehouse.example/gh/oidc', () => `http://127.0.0.1:${port}/oidc`);
      await (await f('https://gatehouse.example/gh/oidc/.well-known/openid-configuration')).text();
      await (await f(new URL('https://gatehouse.example/gh/oidc/token'), { method: 'POST', body: 'a=1' })).text();
      await expect(f('https://gatehouse.example/gh/oidcx/token')).rejects.toThrow(/only talks to/);
      await expect(f('https://evil.example/gh/oidc/token')).rejects.toThrow(/only talks to/);
      expect(seen).toEqual(['GET /oidc/.well-known/openid-configuration', 'POST /oidc/token']);
    } finally {
      server.close();
    }
  });
});

describe('listenerBase', () => {
  it.each([
    ['0.0.0.0', 'http://127.0.0.1:9210'],
    ['', 'http://127.0.0.1:9210'],
    ['::', 'http://[::1]:9210'],
    ['[::]', 'http://[::1]:9210'],
    ['10.1.2.3', 'http://10.1.2.3:9210'],
    ['[fd00::5]', 'http://[fd00::5]:9210'],
    ['127.0.0.1', 'http://127.0.0.1:9210'],
  ])('reaches a listener bound to "%s" at %s', (host, url) => expect(listenerBase(host, 9210)).toBe(url));
});
