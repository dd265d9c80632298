import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createIdentityVerifier,
  errorBody,
  IDENTITY_HEADER,
  listenHttp,
  RemoteKeySource,
  toGatehouseError,
  type HttpListener,
} from '@gatehouse/shared';

/** The built-in upstream's name in the routes file, the `aud` of the identity headers it accepts. */
export const WHOAMI_AUDIENCE = 'whoami';

/**
 * The built-in upstream behind the proxy at /whoami: it verifies the X-Gatehouse-Identity header
 * (against the proxy's JWKS, like any real upstream should) and answers with the identity it got.
 */
export async function startWhoami(opts: { addr: string; identityJwksUrl: string }): Promise<HttpListener> {
  // Its name in the routes file (`upstream: whoami`): headers the proxy signed for another upstream are refused.
  const verify = createIdentityVerifier({
    keys: new RemoteKeySource({ url: opts.identityJwksUrl, cooldownMs: 1000 }),
    audience: WHOAMI_AUDIENCE,
  });
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    const header = req.headers[IDENTITY_HEADER];
    if (typeof header !== 'string')
      return send(
        401,
        errorBody(
          toGatehouseError(
            Object.assign(new Error(), { name: 'GatehouseError', code: 'UNAUTHENTICATED', message: 'No identity from the proxy.' }),
          ),
        ),
      );
    verify(header).then(
      (identity) =>
        send(200, {
          data: {
            identity,
            headers: {
              'x-user-id': req.headers['x-user-id'],
              'x-user-email': req.headers['x-user-email'],
              'x-user-roles': req.headers['x-user-roles'],
            },
            method: req.method,
            path: req.url,
          },
        }),
      (err: unknown) => {
        const ge = toGatehouseError(err);
        send(ge.httpStatus, errorBody(ge));
      },
    );
  };
  return listenHttp(handler, opts.addr);
}
