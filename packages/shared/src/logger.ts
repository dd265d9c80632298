import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths that may carry secrets. pino removes them before serialisation, so a secret never
 * reaches a log line (see logger.test.ts, which plants one).
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'new_password',
  '*.new_password',
  'token',
  '*.token',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'id_token',
  '*.id_token',
  'client_secret',
  '*.client_secret',
  'secret',
  '*.secret',
  'otp',
  '*.otp',
  'apiKey',
  '*.apiKey',
  'key',
  '*.key',
  'privateKey',
  '*.privateKey',
  'authorization',
  '*.authorization',
  'cookie',
  '*.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'req.headers["x-gatehouse-identity"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'metadata.authorization',
];

export interface LoggerOptions {
  service: string;
  level?: string;
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      name: opts.service,
      level: opts.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      base: { service: opts.service },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
}
