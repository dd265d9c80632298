import type { DestinationStream } from 'pino';
import PinoPretty from 'pino-pretty';

/**
 * Where the all-in-one runtime writes its logs: one readable line per entry (time, level,
 * service, message, fields) when stdout is a terminal, JSON lines otherwise (undefined: pino's
 * default). Redaction happens in pino before either sees a line, so a secret is censored in both.
 * Synchronous, so the start-up banner never lands in the middle of a log line.
 */
export function logDestination(stdoutIsTty: boolean, output?: NodeJS.WritableStream): DestinationStream | undefined {
  if (!stdoutIsTty) return undefined;
  return PinoPretty({
    ...(output ? { destination: output } : {}),
    colorize: true,
    sync: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,name,service',
    singleLine: true,
    messageFormat: '{service}: {msg}',
  });
}
