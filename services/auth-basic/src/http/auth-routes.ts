import { Router, type Request, type Response } from 'express';
import { parseAuthMode, sendAuthResult, type Clock, type CookieSettings } from '@gatehouse/shared';
import type { LoginFlow } from '../auth/login-flow.js';
import type { PasswordReset } from '../auth/password-reset.js';
import { bodyOf, userAgentOf, type ClientIp } from './body.js';

/** An entry of `GET /auth` (Directus: the providers configured in AUTH_PROVIDERS). */
export interface AuthProviderInfo {
  name: string;
  driver: string;
  icon?: string;
}

/**
 * GET /auth, POST /auth/login, /auth/login/local, /auth/password/request, /auth/password/reset
 * (seed 003). As in Directus, only the local provider has a POST login route: any other
 * /auth/login/:provider is ROUTE_NOT_FOUND (the final 404 handler), never a credential check.
 */
export function authRoutes(deps: {
  login: LoginFlow;
  reset: PasswordReset;
  cookies: CookieSettings;
  clock: Clock;
  clientIp: ClientIp;
  providers: readonly AuthProviderInfo[];
}): Router {
  const r = Router();

  // Directus lists the configured SSO providers, not the built-in local one (seed 003's example).
  r.get('/auth', (_req, res) => {
    res.json({ data: deps.providers.map((p) => ({ name: p.name, driver: p.driver, ...(p.icon ? { icon: p.icon } : {}) })) });
  });

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
