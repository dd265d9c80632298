import { Router, type ErrorRequestHandler } from 'express';
import {
  clearAuthCookies,
  csrfRefusalOf,
  parseAuthMode,
  presentedRefreshToken,
  requestClientAddress,
  sendAuthResult,
  type Clock,
  type CookieSettings,
  noStore,
  type OriginPolicy,
  type TrustedPeers,
} from '@gatehouse/shared';
import type { SessionService } from '../domain/sessions.js';
import type { TokenAuthority } from '../domain/token-authority.js';

export const AUTH_PATHS = ['/auth/refresh', '/auth/logout'];
/**
 * The same for errors raised before the route runs (a malformed or oversized JSON body): mount it
 * on the app for AUTH_PATHS before the error translator (a Router never sees errors from before it).
 */
export const noStoreOnError: ErrorRequestHandler = (err, _req, res, next) => {
  if (!res.headersSent) res.setHeader('Cache-Control', 'no-store');
  next(err);
};

/** POST /auth/refresh and POST /auth/logout in Directus's shapes (seed 003). */
export function authRoutes(deps: {
  authority: TokenAuthority;
  sessions: SessionService;
  cookies: CookieSettings;
  clock: Clock;
  /** AUTH_BEARER_TRUST_PROXY: whose X-Forwarded-For gives the session's ip. */
  trustedPeers: TrustedPeers;
  /** PUBLIC_URL's origin and GATEHOUSE_ALLOWED_ORIGINS: who may refresh or log out with a cookie. */
  origins: OriginPolicy;
}): Router {
  const r = Router();
  r.use(AUTH_PATHS, noStore);
  // These read the auth cookies themselves: the same CSRF rule as the proxy's (403 CSRF_REJECTED).
  r.use(AUTH_PATHS, (req, _res, next) => {
    next(
      csrfRefusalOf(
        req,
        req.originalUrl.split('?')[0] ?? '/',
        [deps.cookies.sessionCookieName, deps.cookies.refreshCookieName],
        deps.origins,
      ),
    );
  });

  r.post('/auth/refresh', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const mode = parseAuthMode(body.mode);
    const token = presentedRefreshToken(body.refresh_token, req.cookies as Record<string, unknown> | undefined, mode, deps.cookies);
    const set = await deps.authority.refreshSession(token, {
      ip: requestClientAddress(req, deps.trustedPeers),
      user_agent: req.get('user-agent'),
    });
    sendAuthResult(res, mode, set, deps.cookies, deps.clock.now());
  });

  r.post('/auth/logout', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const mode = parseAuthMode(body.mode);
    const token = presentedRefreshToken(
      body.refresh_token,
      req.cookies as Record<string, unknown> | undefined,
      mode,
      deps.cookies,
      'logout',
    );
    // Unknown or already-ended sessions log out quietly: logout must not reveal token validity.
    await deps.sessions.revokeByRefreshToken(token, 'logout');
    clearAuthCookies(res, deps.cookies);
    res.status(204).end();
  });

  return r;
}
