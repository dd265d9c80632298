import type { IncomingMessage } from 'node:http';
import { logFlat, type Logger } from '@gatehouse/shared';

/** Longest path written to a log line (a client chooses the path; the log must stay bounded). */
const MAX_LOGGED_PATH = 256;

/**
 * The path of a request target without its query string or fragment. Query strings may carry
 * credentials (seed 004's `DELETE /auth-app/tokens?token=…`, refused `?access_token=…`), so no
 * log line ever holds one, whatever the route.
 */
export function loggablePath(target: string | undefined): string {
  const t = target ?? '';
  const end = t.search(/[?#]/);
  const path = end === -1 ? t : t.slice(0, end);
  return path.length > MAX_LOGGED_PATH ? `${path.slice(0, MAX_LOGGED_PATH)}…` : path;
}

/** What is known about a request by the time it is answered (filled in as it goes). */
export interface RequestTrace {
  route: string;
  authMethod: string;
  /**
   * Set once the request is allowed: with the access log on, its line is the allow decision's
   * record (decision, who, and the actor of an impersonated request), one line per request.
   */
  decision?: 'allow' | undefined;
  sub?: string | undefined;
  sid?: string | undefined;
  /** act.sub: the service acting for `sub`. */
  act?: string | undefined;
}

/**
 * One access-log line per answered request: method, path (never the query), route, status, auth
 * method, who, duration. Written with logFlat (known fields, one pass): it is the one line every
 * request pays for.
 */
export function logAccess(logger: Logger, req: IncomingMessage, status: number, trace: RequestTrace, startedNs: bigint): void {
  logFlat(
    logger,
    'info',
    {
      method: req.method,
      path: loggablePath(req.url),
      route: trace.route,
      status,
      auth_method: trace.authMethod,
      decision: trace.decision,
      sub: trace.sub,
      sid: trace.sid,
      act: trace.act,
      ms: Math.round(Number(process.hrtime.bigint() - startedNs) / 1e5) / 10,
      ip: req.socket.remoteAddress,
    },
    'request',
  );
}
