import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../logger.js';

/** A log destination that keeps every line it is given (for loggers built with their own options). */
export function lineCapture(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

/**
 * A trace-level logger whose every line is kept, to search a service's whole output for planted
 * secrets (`text`) or to read its records (`records`, one JSON object a line).
 */
export function capturedLogger(service: string): { logger: Logger; text(): string; records(): Array<Record<string, unknown>> } {
  const capture = lineCapture();
  const text = () =>
    capture
      .lines()
      .map((l) => `${l}\n`)
      .join('');
  return {
    logger: createLogger({ service, level: 'trace', destination: capture.stream }),
    text,
    records: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
