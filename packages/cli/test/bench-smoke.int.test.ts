import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file holding pnpm-workspace.yaml. */
function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  return dir;
}

interface Row {
  label: string;
  value: number | null;
  detail: string;
}

/**
 * Kept cheap on purpose: `BENCH_SMOKE=1` runs every scenario of `make bench` once with a few
 * requests (half-second loads, 100 cold tokens, 2 revocations), measures nothing worth reading
 * and writes no results. It catches a scenario that no longer starts (a route, a reference, the
 * gRPC driver, the Redis + NATS pair) without making `make test` a benchmark.
 */
describe('bench smoke (cheap: every scenario starts, nothing is measured)', () => {
  it('runs every scenario of make bench and each answers', async () => {
    const root = findRoot(dirname(fileURLToPath(import.meta.url)));
    const child = spawn(process.execPath, [join(root, 'bench/run.js')], {
      cwd: root,
      env: { ...process.env, BENCH_SMOKE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    const line = out.split('\n').find((l) => l.startsWith('BENCH_SMOKE_RESULT '));
    if (code !== 0 || !line) throw new Error(`bench smoke failed (exit ${code}):\n${err}\n${out}`);
    const { rows, failures } = JSON.parse(line.slice('BENCH_SMOKE_RESULT '.length)) as { rows: Row[]; failures: string[] };
    expect(failures).toEqual([]);
    for (const n of [1, 2, 3, 4, 5, 6, 7]) {
      const mine = rows.filter((r) => r.label.startsWith(`${n}. `));
      expect(mine.length).toBeGreaterThan(0);
      for (const r of mine) expect({ label: r.label, measured: r.value !== null }).toEqual({ label: r.label, measured: true });
    }
    // Scenario 8 (memory) reads the runtime's metrics after warm-up; its soak is not part of the smoke.
    expect(rows.find((r) => r.label.startsWith('8. '))?.detail).toMatch(/\d+ MB RSS/);
    for (const ref of ['pass-through + jose', 'pass-through + LRU', 'express + jose']) {
      expect(rows.find((r) => r.label.startsWith(ref))?.value).toEqual(expect.any(Number));
    }
  }, 240_000);
});
