import { AuthorizationResponseError, ResponseBodyError } from 'openid-client';
import { IdpError } from '../domain/ports.js';
import { toIdpError } from './openid-identity-provider.js';

describe('toIdpError', () => {
  it('tells a dead grant, a refusal and an outage apart', () => {
    const body = (error: string, status: number) =>
      Object.assign(Object.create(ResponseBodyError.prototype) as ResponseBodyError, { error, status, message: error });
    expect(toIdpError(body('invalid_grant', 400))).toMatchObject({ kind: 'invalid_grant', code: 'invalid_grant' });
    expect(toIdpError(body('invalid_client', 401))).toMatchObject({ kind: 'rejected', code: 'invalid_client' });
    expect(toIdpError(body('server_error', 503))).toMatchObject({ kind: 'unavailable' });
    const denied = new AuthorizationResponseError('denied', { cause: new URLSearchParams({ error: 'access_denied' }) });
    expect(toIdpError(denied)).toMatchObject({ kind: 'rejected', code: 'access_denied' });
    expect(toIdpError(Object.assign(new Error('state mismatch'), { code: 'OAUTH_INVALID_RESPONSE' }))).toMatchObject({ kind: 'rejected' });
    expect(toIdpError(new TypeError('fetch failed'))).toMatchObject({ kind: 'unavailable', code: 'idp_unavailable' });
    const kept = new IdpError('rejected', 'x');
    expect(toIdpError(kept)).toBe(kept);
  });
});
