import { APIKEY_CALLBACK_PATH, GatehouseError, setNoStore } from '@gatehouse/shared';
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { KeyAuthorization } from '../domain/authorization-callback.js';

/** The callback URL carries a code and a state: never cached, never in a Referer. */
const neverCachedOrReferred: RequestHandler = (_req, res, next) => {
  setNoStore(res);
  res.setHeader('Referrer-Policy', 'no-referrer');
  next();
};

/**
 * GET /apikey/oauthcallback?code=…&state=… (or ?error=…&state=…): the end of a key's authorization.
 * 302 to the key's finalFrontendRedirect (checked when the key was created or refreshed), or a short
 * plain-text page when it had none. An unknown, expired or replayed state is 400 INVALID_REQUEST.
 */
export function callbackRouter(authorization: KeyAuthorization): Router {
  const router = Router();
  router.use(APIKEY_CALLBACK_PATH, neverCachedOrReferred);
  router.get(APIKEY_CALLBACK_PATH, (req: Request, res: Response, next: NextFunction) => {
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
    authorization.complete(new URLSearchParams(query)).then((outcome) => {
      if (outcome.redirect) return res.redirect(302, outcome.redirect);
      res.setHeader('Content-Security-Policy', "default-src 'none'");
      const state = outcome.status === null ? 'unchanged (this authorization was no longer current)' : `now ${outcome.status}`;
      res.status(200).type('text/plain').send(`API key ${outcome.keyId} is ${state}. You may close this window.\n`);
    }, next);
  });
  router.all(APIKEY_CALLBACK_PATH, () => {
    throw new GatehouseError('METHOD_NOT_ALLOWED');
  });
  return router;
}
