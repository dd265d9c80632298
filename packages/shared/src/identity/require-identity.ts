import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { GatehouseError } from '../errors.js';
import { sendError } from '../http/errors-middleware.js';
import type { Clock } from '../clock.js';
import { RemoteKeySource, type KeySource } from '../jwt/key-source.js';
import { createIdentityVerifier, IDENTITY_HEADER, type IdentityClaims } from './identity-token.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's documented augmentation point
  namespace Express {
    interface Request {
      /** Set by requireIdentity: the caller as the proxy authenticated it. */
      identity?: IdentityClaims;
    }
  }
}

/**
 * Express middleware for services behind the proxy: verifies `X-Gatehouse-Identity` and puts the
 * caller on `req.identity`. No header or a bad one → 401 UNAUTHENTICATED. `roles` (any of) → 403.
 */
export function requireIdentity(verify: (token: string) => Promise<IdentityClaims>, opts: { roles?: string[] } = {}): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers[IDENTITY_HEADER];
    if (typeof header !== 'string') return sendError(res, new GatehouseError('UNAUTHENTICATED'));
    verify(header).then(
      (identity) => {
        if (opts.roles && !opts.roles.some((r) => identity.roles?.includes(r))) return sendError(res, new GatehouseError('FORBIDDEN'));
        req.identity = identity;
        next();
      },
      (err: unknown) => sendError(res, err),
    );
  };
}

/**
 * The verifier of the proxy's identity header for a service behind it: the keys at
 * GATEHOUSE_IDENTITY_JWKS_URL (fetched and cached), or the ones a test passes. `audience` is the
 * service's own name (the upstream name in the proxy's routes): a header the proxy signed for
 * another upstream is refused.
 */
export function identityVerifierFor(
  config: { GATEHOUSE_IDENTITY_JWKS_URL: string },
  clock: Clock,
  audience: string,
  keys?: KeySource,
): (token: string) => Promise<IdentityClaims> {
  return createIdentityVerifier({ keys: keys ?? new RemoteKeySource({ url: config.GATEHOUSE_IDENTITY_JWKS_URL }), clock, audience });
}
