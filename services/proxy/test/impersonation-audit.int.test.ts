import { Writable } from 'node:stream';
import { createLogger } from '@gatehouse/shared';
import { mintToken, startJwks, startProxy, startUpstream, type ProxyUnderTest, type Upstream } from './harness.js';

// Issue 10 item 3: the trail of an impersonated request names who acted (act.sub), not only the user.
describe('the access decision of an impersonated request names its actor', () => {
  let jwks: Awaited<ReturnType<typeof startJwks>>;
  let upstream: Upstream;
  let proxy: ProxyUnderTest;
  const lines: string[] = [];

  beforeAll(async () => {
    jwks = await startJwks();
    upstream = await startUpstream();
    const logger = createLogger({
      service: 'proxy',
      level: 'info',
      destination: new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }),
    });
    proxy = await startProxy({ jwksUrl: jwks.url, upstream: upstream.url, logger });
  });
  afterAll(async () => {
    await proxy.stop();
    await upstream.close();
    await jwks.close();
  });

  it('logs act beside sub for a token with act, and no act for the user in person', async () => {
    const acted = await mintToken(jwks.key, { sub: 'alice', claims: { act: { sub: 'svc-reports' } } });
    const own = await mintToken(jwks.key, { sub: 'bob' });
    for (const t of [acted, own]) {
      const res = await fetch(`${proxy.url}/api/echo`, { headers: { authorization: `Bearer ${t}` } });
      expect(res.status).toBe(200);
    }
    const started = Date.now();
    const decisions = () =>
      lines
        .filter((l) => l.includes('"decision":"allow"'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((d) => d.sub === 'alice' || d.sub === 'bob');
    while (decisions().length < 2 && Date.now() - started < 3000) await new Promise((r) => setTimeout(r, 20));
    expect(decisions().find((d) => d.sub === 'alice')).toMatchObject({ act: 'svc-reports' });
    expect(decisions().find((d) => d.sub === 'bob')).not.toHaveProperty('act');
  });
});
