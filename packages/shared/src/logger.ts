import { pino, type Logger, type DestinationStream } from 'pino';
import { scrubBindings, scrubRecord, LOG_SERIALIZERS } from './logging/scrub.js';
import { stdoutDestination } from './logging/stdout-destination.js';
import { isoTime } from './logging/iso-time.js';

export type { Logger } from 'pino';
export { REDACTED, SECRET_FIELDS, SECRET_HEADERS } from './logging/scrub.js';
export { flushLogs, LOG_BUFFER_BYTES, LOG_FLUSH_INTERVAL_MS } from './logging/stdout-destination.js';
export { logFlat, type FlatRecord } from './logging/flat-line.js';

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Default: stdoutDestination(), stdout in batches of whole lines. */
  destination?: DestinationStream;
}

/**
 * The shared logger. Secrets stay out by construction, not by a wildcard search of every record
 * (pino's `redact` with ~90 wildcard paths cost ~160 µs a line): known secret field names are
 * replaced wherever they appear in plain objects (logging/scrub.ts, a walk that costs nothing on
 * the flat records of the request path), and request, response, header and gRPC metadata objects
 * go through serializers that keep only known fields and blank credential headers
 * (logger.test.ts plants secrets in every shape).
 */
export function createLogger(opts: LoggerOptions): Logger {
  const logger = pino(
    {
      name: opts.service,
      level: opts.level ?? 'info',
      serializers: LOG_SERIALIZERS,
      formatters: { log: scrubRecord, bindings: scrubBindings },
      base: { service: opts.service },
      timestamp: isoTime,
    },
    opts.destination ?? stdoutDestination(),
  );
  // pino resets the bindings formatter for children; their bindings are scrubbed here instead, once
  // per child. Children inherit from this logger, so grandchildren come through here too.
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with the child's own `this` below
  const child = logger.child;
  logger.child = function (this: Logger, bindings, options) {
    return child.call(this, scrubBindings(bindings), options);
  } as Logger['child'];
  return logger;
}
