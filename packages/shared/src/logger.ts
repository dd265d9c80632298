import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/** Field names that carry secrets wherever they appear (top level and two levels down). */
const SECRET_FIELDS = [
  'password',
  'new_password',
  'current_password',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'session_token',
  'accessToken',
  'refreshToken',
  'client_secret',
  'clientSecret',
  'code_verifier',
  'secret',
  'GATEHOUSE_SECRET',
  'otp',
  'apiKey',
  'api_key',
  'key',
  'privateKey',
  'private_key',
  'authorization',
  'cookie',
];

/** Header names that carry credentials, wherever a `headers` object is logged. */
const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-gatehouse-identity', 'x-api-key'];

/**
 * Paths that may carry secrets. pino removes them before serialisation, so a secret never
 * reaches a log line (see logger.test.ts, which plants one).
 */
export const REDACT_PATHS = [
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
  ...SECRET_HEADERS.flatMap((h) => [`headers["${h}"]`, `*.headers["${h}"]`, `*.*.headers["${h}"]`]),
  'metadata.authorization',
  '*.metadata.authorization',
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
