import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../logger.js';

/**
 * A trace-level logger whose every line is kept, to search a service's whole output for planted
 * secrets (`text`) or to read its records (`records`, one JSON object a line).
 */
export function capturedLogger(service: string): { logger: Logger; text(): string; records(): Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const text = () => lines.join('');
  return {
    logger: createLogger({ service, level: 'trace', destination }),
    text,
    records: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
