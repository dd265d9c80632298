import { connect } from 'node:net';

export interface RawAnswer {
  /** Everything the server sent (latin1), '' when it closed without answering. */
  raw: string;
  /** HTTP status of the answer, 0 when none. */
  status: number;
  /** The error code of a JSON error body, if any. */
  code: string | undefined;
  /** When the server closed the connection, ms after the first byte was sent (undefined: still open at `waitMs`). */
  closedAfterMs: number | undefined;
}

function answerOf(raw: string, closedAfterMs: number | undefined): RawAnswer {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
  const code = /"code":"([A-Z_]+)"/.exec(raw)?.[1];
  return { raw, status, code, closedAfterMs };
}

/**
 * Writes `chunks` to a fresh connection, `gapMs` apart (0: all at once), and collects the answer
 * until the server closes or `waitMs` has passed since the first write. Bytes exactly as given:
 * no client library normalises them first.
 */
export function rawExchange(
  port: number,
  chunks: Array<string | Buffer>,
  opts: { gapMs?: number; waitMs?: number } = {},
): Promise<RawAnswer> {
  const waitMs = opts.waitMs ?? 3000;
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    let started = 0;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(giveUp);
      s.destroy();
      resolve(answerOf(out, closed ? Date.now() - started : undefined));
    };
    const giveUp = setTimeout(() => finish(false), waitMs);
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => finish(true));
    s.on('connect', () => {
      started = Date.now();
      let i = 0;
      const next = () => {
        if (done || i >= chunks.length || s.destroyed) return;
        s.write(chunks[i++]!);
        if (opts.gapMs) timer = setTimeout(next, opts.gapMs);
        else next();
      };
      next();
    });
  });
}

/** The request split into one-byte chunks (a slowloris client's trickle). */
export const bytes = (text: string): string[] => [...text];
