import { Router, type Request, type Response } from 'express';
import { parseAuthMode, sendAuthResult, type Clock, type CookieSettings } from '@gatehouse/shared';
import type { LoginFlow } from '../auth/login-flow.js';
import type { PasswordReset } from '../auth/password-reset.js';
import { bodyOf, userAgentOf, type ClientIp } from './body.js';

/**
 * POST /auth/login, /auth/login/local, /auth/password/request, /auth/password/reset (seed 003).
 * As in Directus, only the local provider has a POST login route: any other /auth/login/:provider
 * is ROUTE_NOT_FOUND (the final 404 handler), never a credential check. GET /auth and the SSO
 * routes of external providers are auth-bearer's (the proxy routes them there).
 */
export function authRoutes(deps: {
  login: LoginFlow;
  reset: PasswordReset;
  cookies: CookieSettings;
  clock: Clock;
  clientIp: ClientIp;
}): Router {
  const r = Router();

  const login = async (req: Request, res: Response) => {
    const body = bodyOf(req);
    const mode = parseAuthMode(body.mode);
    const { session } = await deps.login.login(
      { email: body.email, password: body.password, otp: body.otp, ip: deps.clientIp(req) },
      userAgentOf(req),
    );
    sendAuthResult(res, mode, session, deps.cookies, deps.clock.now());
  };
  r.post('/auth/login', login);
  r.post('/auth/login/local', login);

  r.post('/auth/password/request', async (req, res) => {
    const body = bodyOf(req);
    await deps.reset.request(body.email, body.reset_url);
    res.status(204).end();
  });

  r.post('/auth/password/reset', async (req, res) => {
    const body = bodyOf(req);
    await deps.reset.reset(body.token, body.password);
    res.status(204).end();
  });
  return r;
}
