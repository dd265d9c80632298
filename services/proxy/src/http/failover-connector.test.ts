import { createServer, type Server } from 'node:http';
import { freePort } from '@gatehouse/shared/testing';
import { endpointInstances, httpEndpoint } from './endpoints.js';
import { UpstreamPools } from './forward.js';

const serve = (name: string, delayMs = 0): Promise<{ server: Server; url: string; hits: () => number }> => {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    setTimeout(() => res.end(name), delayMs);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, hits: () => hits }),
    ),
  );
};
const stop = (s: Server) =>
  new Promise<void>((r) => {
    s.close(() => r());
    s.closeAllConnections();
  });

/** GET through the pool of the endpoint's first instance, as the proxy's routes do. */
const get = async (pools: UpstreamPools, endpoint: string) => {
  const first = endpointInstances(endpoint)[0]!;
  const res = await pools.poolFor(first).request({ origin: first.origin, path: '/', method: 'GET' });
  return res.body.text();
};

describe('multi-instance HTTP endpoints (failover connector)', () => {
  it('connects to the next instance when one refuses the connection (no request was sent to it)', async () => {
    const live = await serve('live');
    const endpoint = `http://127.0.0.1:${await freePort()},${live.url}`;
    const pools = new UpstreamPools(8, new Map([[endpointInstances(endpoint)[0]!.origin, endpointInstances(endpoint)]]));
    try {
      const answers = await Promise.all(Array.from({ length: 6 }, () => get(pools, endpoint)));
      expect(answers).toEqual(Array(6).fill('live'));
    } finally {
      pools.destroy();
      await stop(live.server);
    }
  });

  it('spreads new connections over the instances', async () => {
    const [a, b] = [await serve('a', 50), await serve('b', 50)];
    const endpoint = `${a.url},${b.url}`;
    const pools = new UpstreamPools(8, new Map([[new URL(a.url).origin, endpointInstances(endpoint)]]));
    try {
      await Promise.all(Array.from({ length: 8 }, () => get(pools, endpoint)));
      expect(a.hits() + b.hits()).toBe(8);
      expect(Math.min(a.hits(), b.hits())).toBeGreaterThanOrEqual(3);
    } finally {
      pools.destroy();
      await Promise.all([stop(a.server), stop(b.server)]);
    }
  });

  it('fails (the proxy answers 502) when no instance accepts a connection', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()},http://127.0.0.1:${await freePort()}`;
    const pools = new UpstreamPools(2, new Map([[endpointInstances(endpoint)[0]!.origin, endpointInstances(endpoint)]]));
    try {
      await expect(get(pools, endpoint)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      pools.destroy();
    }
  });
});

describe('*_HTTP_ENDPOINT lists', () => {
  const schema = httpEndpoint('http://127.0.0.1:9210');
  it('accepts one URL or several instances of one service', () => {
    expect(schema.safeParse('http://a:9210,http://b:9210').success).toBe(true);
    expect(schema.safeParse(undefined).success).toBe(true);
  });
  it.each([
    ['a non-URL entry', 'http://a:9210,b:9210'],
    ['another scheme', 'ftp://a:9210'],
    ['instances with different paths', 'http://a:9210/x,http://b:9210/y'],
    ['instances with different schemes', 'http://a:9210,https://b:9210'],
  ])('refuses %s', (_what, value) => {
    expect(schema.safeParse(value).success).toBe(false);
  });
});
