import { FakeClock } from '../testing/fake-clock.js';
import { MemoryStore } from './memory-store.js';
import { storeContract } from './store.contract.js';

storeContract('memory', async () => {
  const clock = new FakeClock(Date.now());
  const store = new MemoryStore(clock);
  return { store, sleep: async (ms) => clock.advance(ms), done: () => store.close() };
});
