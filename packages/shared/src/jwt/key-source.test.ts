import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import { testKeyPair } from '../testing/keys.js';
import { RemoteKeySource } from './key-source.js';

/** A JWKS endpoint whose keys and answer delay the test sets. */
async function jwksServer(): Promise<{ url: string; keys: JWK[]; delayMs: number; hits: number; close(): Promise<void> }> {
  const state = { url: '', keys: [] as JWK[], delayMs: 0, hits: 0, close: async () => undefined as void };
  const server: Server = createServer((_req, res) => {
    state.hits++;
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: state.keys }));
    }, state.delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  state.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return state;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RemoteKeySource (cache, cooldown, single flight, stale while slow)', () => {
  it('picks up a new kid at once, refuses a removed key once the TTL has passed, and serves stale keys while the endpoint is slow', async () => {
    const a = await testKeyPair('ES256');
    const b = await testKeyPair('ES256');
    const srv = await jwksServer();
    srv.keys = [a.publicJwk];
    const keys = new RemoteKeySource({ url: async () => srv.url, cooldownMs: 0, maxAgeMs: 200, staleWaitMs: 50 });
    try {
      expect(await keys.getKey(a.kid, 'ES256')).toBeDefined();
      // Rotation at the IdP: the unknown kid triggers a refetch and is found.
      srv.keys = [b.publicJwk, a.publicJwk];
      expect(await keys.getKey(b.kid, 'ES256')).toBeDefined();
      // The old key is removed: still served from the cache until the TTL...
      srv.keys = [b.publicJwk];
      expect(await keys.getKey(a.kid, 'ES256')).toBeDefined();
      // ...and refused once it has passed and the endpoint answered.
      await sleep(250);
      expect(await keys.getKey(a.kid, 'ES256')).toBeUndefined();
      // A slow endpoint: past the TTL, a known kid is served stale after staleWaitMs, not after the fetch.
      srv.delayMs = 1000;
      await sleep(250);
      const started = Date.now();
      expect(await keys.getKey(b.kid, 'ES256')).toBeDefined();
      expect(Date.now() - started).toBeLessThan(600);
    } finally {
      await srv.close();
    }
  });

  it('shares one fetch among concurrent lookups of unknown kids', async () => {
    const a = await testKeyPair('ES256');
    const srv = await jwksServer();
    srv.keys = [a.publicJwk];
    srv.delayMs = 100;
    const keys = new RemoteKeySource({ url: srv.url, cooldownMs: 60_000 });
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => keys.getKey(i === 0 ? a.kid : `unknown-${i}`, 'ES256')));
      expect(srv.hits).toBe(1);
      // Within the cooldown, more unknown kids cause no fetch.
      for (let i = 0; i < 10; i++) expect(await keys.getKey(`nope-${i}`, 'ES256')).toBeUndefined();
      expect(srv.hits).toBe(1);
    } finally {
      await srv.close();
    }
  });
});
