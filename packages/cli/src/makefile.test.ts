import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// `make run` is one of the two commands a newcomer types; its recipe must point at the entry
// point the build really produces (it once named a path tsc never wrote).
describe('Makefile', () => {
  const makefile = readFileSync(resolve(process.cwd(), 'Makefile'), 'utf8');

  it('runs the built gatehouse entry point with `server` in `make run`', () => {
    const recipe = /^run:.*\n\t(.+)$/m.exec(makefile)?.[1] ?? '';
    const entry = /node (\S+) server/.exec(recipe)?.[1];
    expect(entry).toBeDefined();
    expect(existsSync(resolve(process.cwd(), entry!))).toBe(true);
  });

  it('runs the test suites in `make test` with the servers they need checked first', () => {
    expect(makefile).toMatch(/^test: build check-servers$/m);
  });
});
