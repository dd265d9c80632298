import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// The battery's README lists the attacks tested where their rule lives. Each row names a file and
// a quoted part of a test title: both must exist, so a renamed or deleted test shows up here.
const ROOT = process.cwd();
const README = resolve(ROOT, 'packages/reliability/test/attacks/README.md');
const ROW = /\| `([^`]+\.ts)` › "([^"]+)" \|$/;

describe('the attack battery catalog (packages/reliability/test/attacks/README.md)', () => {
  const rows = readFileSync(README, 'utf8')
    .split('\n')
    .map((line) => ROW.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ file: m[1]!, title: m[2]! }));

  it('lists the cases held elsewhere', () => {
    expect(rows.length).toBeGreaterThanOrEqual(30);
  });

  it.each(rows.map((r) => [r.file, r.title]))('%s holds a test titled "…%s…"', (file, title) => {
    const path = resolve(ROOT, file);
    expect(existsSync(path)).toBe(true);
    const text = readFileSync(path, 'utf8');
    // Titles are single-quoted string literals; the quoted part must be inside one of them.
    const titles = [...text.matchAll(/(?:it|test)(?:\.each\([\s\S]*?\))?\(\s*'((?:[^'\\]|\\.)*)'/g)].map((m) => m[1]!.replace(/\\'/g, "'"));
    expect(titles.some((t) => t.includes(title))).toBe(true);
  });
});
