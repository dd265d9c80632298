import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// A newcomer clones the repository into an empty folder: nothing beside it exists. A test or script
// that reads `../shared/…` passes on a machine where a sibling folder happens to exist and fails for
// everyone else. This check resolves every relative path literal in every tracked file against the
// folder it is resolved from at run time and fails on any that leaves the repository.

/** The repository root: the nearest folder above this file holding pnpm-workspace.yaml. */
function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
  }
}

const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** The tracked files (git), or every file outside node_modules, dist and .git when there is no git. */
function trackedFiles(root: string): string[] {
  try {
    return execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
  } catch {
    const out: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        if (name === 'node_modules' || name === 'dist' || name === '.git') continue;
        const full = join(dir, name);
        if (statSync(full).isDirectory()) walk(full);
        else out.push(relative(root, full));
      }
    };
    walk(root);
    return out;
  }
}

/**
 * The folder a file's relative paths are resolved from when it runs. TypeScript runs compiled, so a
 * `new URL('../x', import.meta.url)` in `src/a/b.ts` resolves from `<outDir>/a/` (rootDir `src`) or
 * `<outDir>/src/a/` (rootDir `.`); everything else resolves from its own folder.
 */
export function runtimeFolder(root: string, file: string): string {
  const own = dirname(join(root, file));
  if (!file.endsWith('.ts')) return own;
  for (let dir = own; dir.startsWith(root) && dir !== root; dir = dirname(dir)) {
    const tsconfig = join(dir, 'tsconfig.json');
    if (!existsSync(tsconfig)) continue;
    const { compilerOptions } = JSON.parse(readFileSync(tsconfig, 'utf8')) as { compilerOptions?: { rootDir?: string; outDir?: string } };
    if (!compilerOptions?.outDir) return own;
    const rootDir = resolve(dir, compilerOptions.rootDir ?? '.');
    return join(resolve(dir, compilerOptions.outDir), relative(rootDir, own));
  }
  return own;
}

// A path token that starts a relative path and climbs: `../x`, `./../x`, `..` alone. Not `...`, and
// not a `..` inside a longer path or URL (`/a/../b`, which a normaliser resolves against its own base).
const CLIMB = /(?<![\w./@~-])(?:\.\.?\/)*\.\.(?![\w.])(?:\/[\w.@+-]*)*/g;

/** pnpm-lock.yaml's `link:` paths are relative to the importer they are listed under, not the file. */
function lockfileBases(root: string, text: string): string[] {
  let importer = root;
  let inImporters = false;
  return text.split('\n').map((line) => {
    if (/^\S/.test(line)) inImporters = line.startsWith('importers:');
    const key = inImporters ? /^ {2}(\S[^:]*):\s*$/.exec(line)?.[1] : undefined;
    if (key !== undefined) importer = resolve(root, key === '.' ? '' : key);
    return importer;
  });
}

/** Relative path literals in `text` (the content of tracked `file`) that resolve outside `root`. */
export function pathsLeavingRoot(root: string, file: string, text: string): string[] {
  const lines = text.split('\n');
  const bases = file === 'pnpm-lock.yaml' ? lockfileBases(root, text) : lines.map(() => runtimeFolder(root, file));
  const found: string[] = [];
  lines.forEach((line, i) => {
    for (const [token] of line.matchAll(CLIMB)) {
      const target = resolve(bases[i]!, token);
      if (target !== root && !target.startsWith(root + sep)) found.push(`${file}:${i + 1}: ${token} → ${target}`);
    }
  });
  return found;
}

describe('a clone with nothing beside it', () => {
  it('has no tracked file that reads a path above the repository root', () => {
    const files = trackedFiles(ROOT);
    expect(files).toContain('packages/shared/src/jwt/wycheproof.test.ts'); // the scan did see the tree
    const offending = files
      .filter((f) => existsSync(join(ROOT, f)) && statSync(join(ROOT, f)).size < 4 * 1024 * 1024)
      .flatMap((f) => {
        const bytes = readFileSync(join(ROOT, f));
        return bytes.includes(0) ? [] : pathsLeavingRoot(ROOT, f, bytes.toString('utf8'));
      });
    expect(offending).toEqual([]);
  });

  describe('the check itself', () => {
    const root = '/repo';
    it('flags a test that reads a sibling folder of the repository from its compiled location', () => {
      // Built at run time: written out, this very line would be a path that leaves the repository.
      const src = `const V = new URL('${'../'.repeat(5)}${'shared'}/vectors/wycheproof/x.json', import.meta.url);`;
      expect(pathsLeavingRoot(ROOT, 'packages/shared/src/jwt/wycheproof.test.ts', src)).toHaveLength(1);
    });
    it('flags a climb out of the root from a plain file, and a bare `..` at the root', () => {
      expect(pathsLeavingRoot(root, 'scripts/run.sh', 'cat ../../secrets.txt')).toEqual([
        'scripts/run.sh:1: ../../secrets.txt → /secrets.txt',
      ]);
      expect(pathsLeavingRoot(root, 'Makefile', 'cd .. && ls')).toHaveLength(1);
    });
    it('accepts a climb that stays inside, like packages/cli/tsconfig.json referring to packages/shared', () => {
      expect(pathsLeavingRoot(root, 'packages/cli/tsconfig.json', '{ "path": "../shared" }')).toEqual([]);
    });
    it('accepts dot segments inside a URL or an absolute path, and an ellipsis', () => {
      expect(pathsLeavingRoot(root, 'a.md', 'GET /public/../../admin and https://x.example/a/../../b, see .../tokens')).toEqual([]);
    });
    it("resolves pnpm-lock.yaml's links from their importer", () => {
      const lock = 'importers:\n  packages/cli:\n    dependencies:\n      x:\n        version: link:../shared\n';
      expect(pathsLeavingRoot(root, 'pnpm-lock.yaml', lock)).toEqual([]);
      expect(pathsLeavingRoot(root, 'pnpm-lock.yaml', lock.replace('../shared', '../../../shared'))).toHaveLength(1);
    });
  });
});
