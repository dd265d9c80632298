import { GatehouseError, toGatehouseError } from '@gatehouse/shared';

const REJECTIONS = new Set(['INVALID_CREDENTIALS', 'INVALID_TOKEN', 'TOKEN_EXPIRED', 'UNAUTHENTICATED', 'USER_SUSPENDED', 'INVALID_OTP']);

/**
 * An auth service's answer: a rejection of the credential stays a 401 code; anything else
 * (unreachable, deadline, internal error, NOT_FOUND of a session) is either a rejection or a
 * failure to decide, and a failure to decide is SERVICE_UNAVAILABLE: fail closed, never forward.
 */
export function backendError(
  err: unknown,
  service: string,
  notFoundAs: 'INVALID_CREDENTIALS' | 'INVALID_TOKEN' = 'INVALID_CREDENTIALS',
): GatehouseError {
  const ge = toGatehouseError(err);
  if (REJECTIONS.has(ge.code)) return ge;
  if (ge.code === 'NOT_FOUND' || ge.code === 'INVALID_PAYLOAD' || ge.code === 'INVALID_REQUEST' || ge.code === 'FAILED_VALIDATION')
    return new GatehouseError(notFoundAs, { detail: `${service}: ${ge.code}` });
  return new GatehouseError('SERVICE_UNAVAILABLE', { retryAfter: ge.retryAfter ?? 1, detail: `${service}: ${ge.code} ${ge.detail ?? ''}` });
}
