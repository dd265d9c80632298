import { GatehouseError } from '@gatehouse/shared/errors';

/**
 * The answer to an upstream that failed before answering. A refused connection means the upstream
 * is not there (a service restarting, an instance gone) and saw nothing, so the request may be sent
 * again: 503 with Retry-After, as for any other unavailable dependency. A timeout is 504; anything
 * else (a reset after sending, a malformed answer) is 502, since the upstream may have acted on it.
 */
export function upstreamFailure(err: unknown, timedOut: boolean): GatehouseError {
  if (timedOut) return new GatehouseError('GATEWAY_TIMEOUT');
  if ((err as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED')
    return new GatehouseError('SERVICE_UNAVAILABLE', { retryAfter: 1, detail: 'upstream refused the connection' });
  return new GatehouseError('BAD_GATEWAY');
}
