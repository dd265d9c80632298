import { GatehouseError, requireIdentity, type IdentityClaims } from '@gatehouse/shared';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppTokens } from '../domain/app-tokens.js';
import { resolveCreateTarget } from '../domain/impersonation.js';
import { assertNoBody, tokenManager } from './caller.js';
import { exactQuery } from './exact-query.js';
import { createdToken, tokenListItem } from './token-views.js';

export interface TokensRouteOptions {
  tokens: AppTokens;
  verifyIdentity: (token: string) => Promise<IdentityClaims>;
  impersonationEnabled: boolean;
}

type Handler = (req: Request, res: Response) => Promise<void>;
const handle = (fn: Handler) => (req: Request, res: Response, next: NextFunction) => void fn(req, res).catch(next);

/** /auth-app/tokens: POST creates, GET lists, DELETE deletes (seed 004), caller from the proxy's identity header. */
export function tokensRouter(opts: TokensRouteOptions): Router {
  const { tokens } = opts;
  const router = Router();
  router.use('/auth-app/tokens', requireIdentity(opts.verifyIdentity));

  router.post(
    '/auth-app/tokens',
    handle(async (req, res) => {
      const caller = tokenManager(req);
      assertNoBody(req);
      const q = exactQuery(req.originalUrl, ['expiry', 'label', 'scope', 'userID', 'userName']);
      const target = resolveCreateTarget(caller, q, opts.impersonationEnabled);
      const { token, record } = await tokens.create({
        user: target.user,
        expiry: q.expiry,
        label: q.label,
        defaultLabel: target.defaultLabel,
        scopes: q.scope,
        actorId: target.actorId,
      });
      res.setHeader('Cache-Control', 'no-store');
      res.status(201).json(createdToken(token, record));
    }),
  );

  router.get(
    '/auth-app/tokens',
    handle(async (req, res) => {
      const caller = tokenManager(req);
      exactQuery(req.originalUrl, []);
      const list = await tokens.list(caller.sub);
      res.setHeader('Cache-Control', 'no-store');
      res.json(list.map(tokenListItem));
    }),
  );

  router.delete(
    '/auth-app/tokens',
    handle(async (req, res) => {
      const caller = tokenManager(req);
      assertNoBody(req);
      const q = exactQuery(req.originalUrl, ['token']);
      if (!q.token)
        throw new GatehouseError('INVALID_PAYLOAD', {
          message: 'token is required (its id, or the token itself).',
          extensions: { field: 'token' },
        });
      await tokens.delete(caller.sub, q.token, caller.sub);
      res.status(204).end();
    }),
  );

  router.all('/auth-app/tokens', () => {
    throw new GatehouseError('METHOD_NOT_ALLOWED');
  });
  return router;
}
