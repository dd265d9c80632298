import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Domain files import the kernel through sub-paths (`@gatehouse/shared/errors`, …) so that a rule
// file never loads a transport or a driver. This walks the compiled import graph of every sub-path
// (type-only imports are erased by tsc, so what is left is what loads at run time).

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..'); // dist/ → packages/shared
const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string> };
const HEAVY = ['express', 'ioredis', '@grpc/grpc-js', '@grpc/proto-loader', 'nats', 'pino', 'prom-client'];
/** Sub-paths that are the framework side on purpose. */
const FRAMEWORK_SIDE = new Set(['.', './testing']);

const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/g;

/** Every bare package the module at `file` loads, directly or through relative imports. */
function packagesLoadedBy(file: string, seen = new Set<string>(), out = new Set<string>()): Set<string> {
  if (seen.has(file)) return out;
  seen.add(file);
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    if (spec!.startsWith('.')) packagesLoadedBy(resolve(dirname(file), spec!), seen, out);
    else out.add(spec!.startsWith('@') ? spec!.split('/').slice(0, 2).join('/') : spec!.split('/')[0]!);
  }
  return out;
}

describe('sub-path exports of @gatehouse/shared', () => {
  const entries = Object.entries(pkg.exports).filter(([k]) => !FRAMEWORK_SIDE.has(k));

  it('exist beside the barrel', () => {
    expect(pkg.exports['.']).toBe('./dist/index.js');
    expect(entries.map(([k]) => k)).toEqual(
      expect.arrayContaining(['./errors', './clock', './crypto', './events', './jwt', './net', './auth-modes']),
    );
    for (const [, target] of entries) expect(existsSync(join(PACKAGE_ROOT, target))).toBe(true);
  });

  it.each(entries)('%s loads no transport, driver or logger', (_name, target) => {
    const loaded = [...packagesLoadedBy(join(PACKAGE_ROOT, target))];
    expect(loaded.filter((p) => HEAVY.includes(p))).toEqual([]);
  });

  it('would notice: the barrel loads them all', () => {
    expect([...packagesLoadedBy(join(PACKAGE_ROOT, pkg.exports['.']!))]).toEqual(
      expect.arrayContaining(['express', 'ioredis', '@grpc/grpc-js']),
    );
  });
});
