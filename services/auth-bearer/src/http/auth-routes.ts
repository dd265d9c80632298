import { Router, type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import { GatehouseError, clearAuthCookies, sendAuthResult, type AuthMode, type Clock, type CookieSettings } from '@gatehouse/shared';
import type { SessionService } from '../domain/sessions.js';
import type { TokenAuthority } from '../domain/token-authority.js';

const MODES = new Set<AuthMode>(['json', 'cookie', 'session']);

function readMode(body: Record<string, unknown>, required: boolean): AuthMode {
  const mode = body.mode ?? 'json';
  if (typeof mode !== 'string' || !MODES.has(mode as AuthMode)) {
    if (required || body.mode !== undefined)
      throw new GatehouseError('INVALID_PAYLOAD', { message: '"mode" must be one of json, cookie, session.' });
  }
  return mode as AuthMode;
}

/** The refresh token from the body, else the cookie of the mode, else the other auth cookie. */
function presentedToken(req: Request, mode: AuthMode, cookies: CookieSettings): string | undefined {
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (body.refresh_token !== undefined) {
    if (typeof body.refresh_token !== 'string' || body.refresh_token === '')
      throw new GatehouseError('INVALID_PAYLOAD', { message: '"refresh_token" must be a string.' });
    return body.refresh_token;
  }
  const jar = (req.cookies ?? {}) as Record<string, unknown>;
  const names =
    mode === 'session' ? [cookies.sessionCookieName, cookies.refreshCookieName] : [cookies.refreshCookieName, cookies.sessionCookieName];
  for (const n of names) if (typeof jar[n] === 'string' && jar[n] !== '') return jar[n];
  return undefined;
}

/**
 * The end user's address: `req.ip` honours X-Forwarded-For only from the peers trusted by
 * AUTH_BEARER_TRUST_PROXY (Express `trust proxy`), else it is the socket's peer.
 */
export const clientIp = (req: Request): string | undefined => req.ip?.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');

export const AUTH_PATHS = ['/auth/refresh', '/auth/logout'];
/** Token responses and their errors are never cached (RFC 6749 §5.1), whatever the outcome. */
const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  next();
};
/**
 * The same for errors raised before the route runs (a malformed or oversized JSON body): mount it
 * on the app for AUTH_PATHS before the error translator (a Router never sees errors from before it).
 */
export const noStoreOnError: ErrorRequestHandler = (err, _req, res, next) => {
  if (!res.headersSent) res.setHeader('Cache-Control', 'no-store');
  next(err);
};

/** POST /auth/refresh and POST /auth/logout in Directus's shapes (seed 003). */
export function authRoutes(deps: { authority: TokenAuthority; sessions: SessionService; cookies: CookieSettings; clock: Clock }): Router {
  const r = Router();
  r.use(AUTH_PATHS, noStore);

  r.post('/auth/refresh', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const mode = readMode(body, false);
    const token = presentedToken(req, mode, deps.cookies);
    if (!token) throw new GatehouseError('INVALID_PAYLOAD', { message: 'The refresh token is required in either the payload or cookie.' });
    const set = await deps.authority.refreshSession(token, { ip: clientIp(req), user_agent: req.get('user-agent') });
    sendAuthResult(res, mode, set, deps.cookies, deps.clock.now());
  });

  r.post('/auth/logout', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const mode = readMode(body, false);
    const token = presentedToken(req, mode, deps.cookies);
    if (!token) throw new GatehouseError('INVALID_PAYLOAD', { message: 'The refresh token is required in either the payload or cookie.' });
    // Unknown or already-ended sessions log out quietly: logout must not reveal token validity.
    await deps.sessions.revokeByRefreshToken(token, 'logout');
    clearAuthCookies(res, deps.cookies);
    res.status(204).end();
  });

  return r;
}
