import { createServer } from 'node:http';
import { AuthorizationResponseError, ResponseBodyError } from 'openid-client';
import { IdpError } from '../domain/ports.js';
import { backChannelFetch, toIdpError } from './openid-identity-provider.js';

describe('backChannelFetch (AUTH_APIKEY_OIDC_INTERNAL_URL)', () => {
  it('sends requests under the issuer to the internal URL, path and query kept, and nothing else', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const f = backChannelFetch('https://gatehouse.example/oidc', `http://127.0.0.1:${port}/internal/oidc/`);
      await (
        await f('https://gatehouse.example/oidc/.well-known/openid-configuration', {
          body: undefined,
          headers: {},
          method: 'GET',
          redirect: 'manual',
        } as never)
      ).text();
      await (
        await f('https://gatehouse.example/oidc/token?x=1', { body: undefined, headers: {}, method: 'GET', redirect: 'manual' } as never)
      ).text();
      await expect(
        f('https://gatehouse.example/oidcx/token', { body: undefined, headers: {}, method: 'GET', redirect: 'manual' } as never),
      ).rejects.toThrow();
      expect(seen).toEqual(['/internal/oidc/.well-known/openid-configuration', '/internal/oidc/token?x=1']);
    } finally {
      server.close();
    }
  });
});

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
