import express, { Router, type Request, type Response } from 'express';
import { GatehouseError, isGatehouseError, type Logger } from '@gatehouse/shared';
import type { ResourceClient } from '../config.js';
import { authenticateClient } from '../domain/client-credentials.js';
import type { TokenAuthority } from '../domain/token-authority.js';
import { introspectionResponse } from './introspection-response.js';
import { WELL_KNOWN_PATHS } from './well-known-routes.js';

/** RFC 6749 §5.2 error body, as resource servers expect from OAuth endpoints. */
function oauthError(res: Response, status: number, error: string, description?: string): void {
  res.setHeader('Cache-Control', 'no-store');
  res.status(status).json({ error, ...(description ? { error_description: description } : {}) });
}

/** Client authentication: HTTP Basic (RFC 6749 §2.3.1, form-encoded parts) or client_secret_post, never both. */
function clientCredentials(req: Request): { id: string; secret: string } | 'invalid_request' | null {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const header = req.get('authorization');
  const inBody = body.client_id !== undefined || body.client_secret !== undefined;
  if (header) {
    if (inBody) return 'invalid_request';
    const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim());
    if (!m) return null;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return null;
    try {
      return {
        id: decodeURIComponent(decoded.slice(0, i).replace(/\+/g, ' ')),
        secret: decodeURIComponent(decoded.slice(i + 1).replace(/\+/g, ' ')),
      };
    } catch {
      return null;
    }
  }
  if (typeof body.client_id === 'string' && typeof body.client_secret === 'string')
    return { id: body.client_id, secret: body.client_secret };
  return null;
}

/** RFC 7009 /oauth/revoke and RFC 7662 /oauth/introspect, for configured resource servers only. */
export function oauthRoutes(deps: { authority: TokenAuthority; clients: ResourceClient[]; issuer: string; logger: Logger }): Router {
  const r = Router();
  r.use('/oauth', express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }));

  const endpoint =
    (handler: (token: string, hint: string | undefined, res: Response) => Promise<void>) => async (req: Request, res: Response) => {
      try {
        if (!req.is('application/x-www-form-urlencoded'))
          return oauthError(res, 400, 'invalid_request', 'expected application/x-www-form-urlencoded');
        const creds = clientCredentials(req);
        if (creds === 'invalid_request') return oauthError(res, 400, 'invalid_request', 'use one client authentication method');
        if (!creds || !authenticateClient(deps.clients, creds.id, creds.secret)) {
          res.setHeader('WWW-Authenticate', 'Basic realm="gatehouse"');
          return oauthError(res, 401, 'invalid_client');
        }
        const body = req.body as Record<string, unknown>;
        if (typeof body.token !== 'string' || body.token === '') return oauthError(res, 400, 'invalid_request', 'token is required');
        await handler(body.token, typeof body.token_type_hint === 'string' ? body.token_type_hint : undefined, res);
      } catch (err) {
        const ge = isGatehouseError(err) ? err : new GatehouseError('INTERNAL', { cause: err });
        if (ge.code === 'INTERNAL') deps.logger.error({ err }, 'oauth endpoint failed');
        if (ge.retryAfter !== undefined) res.setHeader('Retry-After', String(ge.retryAfter));
        oauthError(
          res,
          ge.code === 'SERVICE_UNAVAILABLE' ? 503 : 500,
          ge.code === 'SERVICE_UNAVAILABLE' ? 'temporarily_unavailable' : 'server_error',
        );
      }
    };

  r.post(
    WELL_KNOWN_PATHS.revocation,
    endpoint(async (token, _hint, res) => {
      await deps.authority.revoke(token);
      res.setHeader('Cache-Control', 'no-store');
      res.status(200).end();
    }),
  );

  r.post(
    WELL_KNOWN_PATHS.introspection,
    endpoint(async (token, hint, res) => {
      const result = await deps.authority.introspect(token, hint);
      res.setHeader('Cache-Control', 'no-store');
      res.json(introspectionResponse(result, deps.issuer));
    }),
  );

  return r;
}
