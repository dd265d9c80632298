import { createUserClient } from './clients.js';
import { startUserService } from './user-service.fixture.js';

// One client, two instances of a service behind a multi-address target (as with two auth-bearer or
// a headless Kubernetes Service): calls are spread, and a dead instance is skipped.
describe('gRPC client on a multi-instance target', () => {
  const start = async () => {
    const a = startUserService();
    const b = startUserService();
    const ports = [await a.server.listen('127.0.0.1:0'), await b.server.listen('127.0.0.1:0')];
    return { a, b, target: `ipv4:127.0.0.1:${ports[0]},127.0.0.1:${ports[1]}` };
  };

  it('spreads calls over every instance (round robin)', async () => {
    const { a, b, target } = await start();
    const client = createUserClient(target, { deadlineMs: 1500 });
    try {
      for (let i = 0; i < 20; i++) await client.GetUser({ id: 'ok:spread' });
      const [onA, onB] = [a.hits.get('ok:spread') ?? 0, b.hits.get('ok:spread') ?? 0];
      expect(onA + onB).toBe(20);
      expect(Math.min(onA, onB)).toBeGreaterThanOrEqual(5);
    } finally {
      client.close();
      await Promise.all([a.server.stop(100), b.server.stop(100)]);
    }
  });

  it('keeps answering when one instance dies: idempotent calls in flight there are retried on the other', async () => {
    const { a, b, target } = await start();
    const client = createUserClient(target, { deadlineMs: 2000 });
    try {
      await Promise.all(Array.from({ length: 4 }, () => client.GetUser({ id: 'ok:warm' })));
      // Calls in flight on `a` when it is forced down fail UNAVAILABLE there and are retried on `b`.
      const inflight = Array.from({ length: 10 }, (_, i) => client.GetUser({ id: `slow:${200 + i}` }));
      await new Promise((r) => setTimeout(r, 50));
      await a.server.stop(0);
      const after = Array.from({ length: 20 }, () => client.GetUser({ id: 'ok:after' }));
      const results = await Promise.allSettled([...inflight, ...after]);
      expect(results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error & { detail?: string }).detail] : []))).toEqual([]);
      expect(b.hits.get('ok:after')).toBe(20);
    } finally {
      client.close();
      await b.server.stop(100);
    }
  });
});
