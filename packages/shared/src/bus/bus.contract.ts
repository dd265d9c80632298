import { eventually as waitFor } from '../testing/eventually.js';
import type { EventBus } from './bus.js';

/** The one contract both EventBus implementations pass. */
export function busContract(name: string, make: () => Promise<{ a: EventBus; b: EventBus; done: () => Promise<void> }>): void {
  describe(`EventBus contract: ${name}`, () => {
    let a: EventBus;
    let b: EventBus;
    let done: () => Promise<void>;
    beforeAll(async () => {
      ({ a, b, done } = await make());
    });
    afterAll(async () => done());

    it('delivers a published event to a subscriber, payload intact', async () => {
      const got: unknown[] = [];
      const sub = b.subscribe('test.one', (p, s) => void got.push([s, p]));
      await b.flush();
      await a.publish('test.one', { id: 'e1', n: 1, nested: { x: [1, 2] } });
      await a.flush();
      await waitFor(() => got.length === 1);
      expect(got[0]).toEqual(['test.one', { id: 'e1', n: 1, nested: { x: [1, 2] } }]);
      sub.unsubscribe();
    });

    it('matches * and > wildcards and not other subjects', async () => {
      const star: string[] = [];
      const tail: string[] = [];
      const s1 = b.subscribe('w.revoked.*', (_p, s) => void star.push(s));
      const s2 = b.subscribe('w.>', (_p, s) => void tail.push(s));
      await b.flush();
      for (const s of ['w.revoked.session', 'w.revoked.user', 'w.revoked.a.b', 'w.other', 'x.revoked.session'])
        await a.publish(s, { id: s });
      await a.flush();
      await waitFor(() => tail.length === 4);
      await new Promise((r) => setTimeout(r, 50));
      expect(star.sort()).toEqual(['w.revoked.session', 'w.revoked.user']);
      expect(tail.sort()).toEqual(['w.other', 'w.revoked.a.b', 'w.revoked.session', 'w.revoked.user']);
      s1.unsubscribe();
      s2.unsubscribe();
    });

    it('stops delivering after unsubscribe', async () => {
      const got: unknown[] = [];
      const sub = b.subscribe('test.unsub', (p) => void got.push(p));
      await b.flush();
      sub.unsubscribe();
      await b.flush();
      await a.publish('test.unsub', { id: 'x' });
      await a.flush();
      await new Promise((r) => setTimeout(r, 100));
      expect(got).toEqual([]);
    });

    it('keeps delivering to other subscribers when one handler throws', async () => {
      const got: unknown[] = [];
      const s1 = b.subscribe('test.throw', () => {
        throw new Error('boom');
      });
      const s2 = b.subscribe('test.throw', (p) => void got.push(p));
      await b.flush();
      await a.publish('test.throw', { id: 1 });
      await a.publish('test.throw', { id: 2 });
      await a.flush();
      await waitFor(() => got.length === 2);
      expect(got).toEqual([{ id: 1 }, { id: 2 }]);
      s1.unsubscribe();
      s2.unsubscribe();
    });

    it('reports connected', () => {
      expect(a.disconnectedSince()).toBeNull();
    });
  });
}
