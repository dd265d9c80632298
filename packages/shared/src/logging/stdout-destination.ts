import { pino, type DestinationStream } from 'pino';

/** Log lines are written to stdout once this many bytes are waiting… */
export const LOG_BUFFER_BYTES = 4096;
/** …or this long after the first of them, whichever comes first. */
export const LOG_FLUSH_INTERVAL_MS = 100;

type Boom = DestinationStream & { flushSync(): void };

/**
 * Lines held until LOG_BUFFER_BYTES have gathered, then handed to sonic-boom (pino's destination,
 * which does the writing: partial writes, EAGAIN on a non-blocking pipe) as one string. sonic-boom's
 * own `minLength` buffering measures the UTF-8 length of its whole pending buffer on every line,
 * which made the proxy's access line cost ~10 µs; an array of lines and one join per batch does not.
 */
class LineBatch implements DestinationStream {
  private lines: string[] = [];
  private size = 0;
  constructor(private readonly out: Boom) {}

  write(line: string): void {
    this.lines.push(line);
    this.size += line.length;
    if (this.size >= LOG_BUFFER_BYTES) this.flush();
  }

  flush(): void {
    if (this.lines.length === 0) return;
    const data = this.lines.length === 1 ? this.lines[0]! : this.lines.join('');
    this.lines = [];
    this.size = 0;
    this.out.write(data);
  }

  flushSync(): void {
    this.flush();
    this.out.flushSync();
  }
}

let shared: LineBatch | undefined;

/**
 * The process's one JSON-lines destination on stdout. pino's default writes each line with its own
 * `write(2)`; here lines wait for at most LOG_FLUSH_INTERVAL_MS or until LOG_BUFFER_BYTES have
 * gathered, and are written whole, so lines never interleave. Nothing is lost on exit: what waits
 * is written when the process exits (`process.exit`, an uncaught exception, the end of the event
 * loop); flushLogs() does the same before output that must follow the lines already logged (the
 * start-up banner). Only a SIGKILL (the OOM killer, a container runtime's last resort) loses what
 * waits: at most LOG_FLUSH_INTERVAL_MS or LOG_BUFFER_BYTES of lines. The audit trail is not a log
 * (it goes out as bus events), so what such a loss can take is diagnostics.
 */
export function stdoutDestination(): DestinationStream {
  if (!shared) {
    // Synchronous writes of whole batches: no thread-pool hop per write, nothing in flight at exit.
    shared = new LineBatch(pino.destination({ dest: 1, sync: true }));
    setInterval(flushLogs, LOG_FLUSH_INTERVAL_MS).unref();
    // 'exit' comes after process.exit(), an uncaught exception and the end of the event loop alike.
    process.on('exit', flushLogs);
  }
  return shared;
}

/** Writes what stdoutDestination() holds, now. */
export function flushLogs(): void {
  try {
    shared?.flushSync();
  } catch {
    // stdout closed or busy: the exit flush still runs
  }
}
