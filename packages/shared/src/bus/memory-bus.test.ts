import { MemoryBus } from './memory-bus.js';
import { busContract } from './bus.contract.js';
import { subjectMatches } from './bus.js';

busContract('memory', async () => {
  const bus = new MemoryBus();
  return { a: bus, b: bus, done: () => bus.close() };
});

describe('subjectMatches', () => {
  it.each([
    ['a.*', 'a.b', true],
    ['a.*', 'a.b.c', false],
    ['a.>', 'a.b.c', true],
    ['a.>', 'a', false],
    ['a.b', 'a.b', true],
    ['a.b', 'a.c', false],
  ])('%s vs %s → %s', (p, s, want) => expect(subjectMatches(p, s)).toBe(want));
});
