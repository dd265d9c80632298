import { createServer } from 'node:http';
import { backChannelFetch } from './back-channel-fetch.js';

/** A listener that records what it was asked; `close` stops it. */
async function recorder(): Promise<{ base: string; seen: string[]; close(): void }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { base, seen, close: () => server.close() };
}

describe('backChannelFetch', () => {
  it('sends requests under the issuer to the same path and query under the target (string or URL input, any method)', async () => {
    const r = await recorder();
    try {
      const f = backChannelFetch('https://gatehouse.example/gh/oidc/', `${r.base}/internal/oidc/`, 'refuse');
      await (await f('https://gatehouse.example/gh/oidc/.well-known/openid-configuration')).text();
      await (await f(new URL('https://gatehouse.example/gh/oidc/token'), { method: 'POST', body: 'a=1' })).text();
      await (await f('https://gatehouse.example/gh/oidc?x=1')).text();
      expect(r.seen).toEqual([
        'GET /internal/oidc/.well-known/openid-configuration',
        'POST /internal/oidc/token',
        'GET /internal/oidc?x=1',
      ]);
    } finally {
      r.close();
    }
  });

  it('reads a function target per request (a listener whose port is known once it listens)', async () => {
    const r = await recorder();
    let target = 'http://127.0.0.1:1';
    try {
      const f = backChannelFetch('https://gatehouse.example/oidc', () => target, 'refuse');
      target = `${r.base}/oidc`;
      await (await f('https://gatehouse.example/oidc/jwks')).text();
      expect(r.seen).toEqual(['GET /oidc/jwks']);
    } finally {
      r.close();
    }
  });

  it("refuses a URL outside the issuer with 'refuse', a look-alike path or another host included", async () => {
    const f = backChannelFetch('https://gatehouse.example/gh/oidc', 'http://127.0.0.1:1/oidc', 'refuse');
    await expect(f('https://gatehouse.example/gh/oidcx/token')).rejects.toThrow(/only talks to https:\/\/gatehouse.example\/gh\/oidc/);
    await expect(f('https://evil.example/gh/oidc/token')).rejects.toThrow(/only talks to/);
  });

  it("passes a URL outside the issuer through unchanged with 'pass' (an IdP's keys on another host)", async () => {
    const r = await recorder();
    try {
      const f = backChannelFetch('https://idp.example/realms/corp', 'http://127.0.0.1:1/never', 'pass');
      await (await f(`${r.base}/certs`)).text();
      expect(r.seen).toEqual(['GET /certs']);
    } finally {
      r.close();
    }
  });
});
