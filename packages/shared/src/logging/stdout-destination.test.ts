import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LOG_FLUSH_INTERVAL_MS } from './stdout-destination.js';

/**
 * The default destination batches lines; these run a real process, since what matters is what
 * reaches its stdout: every line, whole, in order, soon, and on every way out of the process.
 */
const LOGGER = fileURLToPath(new URL('../logger.js', import.meta.url));

function run(body: string): Promise<{ lines: { at: number; line: string }[]; code: number | null }> {
  const script = `import { createLogger, flushLogs } from ${JSON.stringify(LOGGER)};\nconst log = createLogger({ service: 't' });\n${body}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const started = Date.now();
  const lines: { at: number; line: string }[] = [];
  let rest = '';
  child.stdout.on('data', (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop()!;
    for (const line of parts) lines.push({ at: Date.now() - started, line });
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ lines, code })));
}

const msgs = (r: { lines: { line: string }[] }) => r.lines.map((l) => (JSON.parse(l.line) as { msg: string }).msg);

describe('stdout log destination', () => {
  it('writes a lone line within the flush interval, with the process still running', async () => {
    const r = await run(
      `log.info('one'); const t0 = Date.now(); setTimeout(() => { log.info('late'); setTimeout(() => process.exit(0), 50); }, 1500);`,
    );
    expect(msgs(r)).toEqual(['one', 'late']);
    // 'one' arrived long before the process ended (the flush timer, not the exit, wrote it).
    expect(r.lines[0]!.at).toBeLessThan(r.lines[1]!.at - 1000);
  });

  it('loses nothing on process.exit, on an uncaught exception, or at the end of the event loop', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => i);
    const exit = await run(`for (let i = 0; i < 5000; i++) log.info(String(i)); process.exit(3);`);
    expect(exit.code).toBe(3);
    expect(msgs(exit)).toEqual(many.map(String));
    const thrown = await run(`log.info('before'); setTimeout(() => { throw new Error('boom'); }, 5);`);
    expect(thrown.code).toBe(1);
    expect(msgs(thrown)).toEqual(['before']);
    const ended = await run(`log.info('a'); log.info('b');`);
    expect(msgs(ended)).toEqual(['a', 'b']);
  });

  it('flushLogs() puts the lines logged so far before what the process prints next', async () => {
    const r = await run(
      `log.info('logged'); flushLogs(); process.stdout.write('{"msg":"printed"}\\n'); setTimeout(() => process.exit(0), ${LOG_FLUSH_INTERVAL_MS * 3});`,
    );
    expect(msgs(r)).toEqual(['logged', 'printed']);
  });
});
