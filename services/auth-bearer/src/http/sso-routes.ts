import express, { Router, type RequestHandler } from 'express';
import {
  GatehouseError,
  SSO_STATE_COOKIE,
  authAnswer,
  requestClientAddress,
  toGatehouseError,
  writeAuthAnswer,
  type Clock,
  type CookieSettings,
  type ProviderConfig,
  noStore,
  type TrustedPeers,
} from '@gatehouse/shared';
import type { BackchannelLogout } from '../sso/backchannel-logout.js';
import { SsoLoginError, type SsoLogin } from '../sso/sso-login.js';

/** `target` with `?reason=CODE` (Directus: the query of the target is replaced). */
function withReason(target: string, code: string): string {
  const [base] = target.split(/[?#]/);
  return `${base}?reason=${encodeURIComponent(code)}`;
}

/**
 * GET /auth (Directus's providers list), GET /auth/login/:provider (to the IdP), GET|POST
 * /auth/login/:provider/callback (back from it) and POST /auth/login/:provider/backchannel-logout.
 * Every answer is `Cache-Control: no-store`.
 */
export function ssoRoutes(deps: {
  providers: readonly ProviderConfig[];
  login: SsoLogin;
  backchannel: BackchannelLogout;
  cookies: CookieSettings;
  /** AUTH_BEARER_TRUST_PROXY: whose X-Forwarded-For gives the session's ip. */
  trustedPeers: TrustedPeers;
  publicPath: string;
  stateTtlMs: number;
  clock: Clock;
}): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 20 });
  // The state cookie goes only to the callback of its provider; SameSite=None (Secure) lets a
  // form_post callback carry it, plain http falls back to Lax (browsers refuse None without Secure).
  const stateCookie = (provider: string) => ({
    httpOnly: true,
    secure: deps.cookies.secure,
    sameSite: deps.cookies.secure ? ('none' as const) : ('lax' as const),
    path: `${deps.publicPath}/auth/login/${provider}/callback`,
  });

  r.get('/auth', noStore, (_req, res) => {
    res.json({
      data: deps.providers.map((p) => ({
        name: p.name,
        driver: p.driver,
        ...(p.icon ? { icon: p.icon } : {}),
        ...(p.label ? { label: p.label } : {}),
      })),
    });
  });

  r.get('/auth/login/:provider', noStore, async (req, res) => {
    const provider = String(req.params.provider);
    try {
      const began = await deps.login.begin(provider, req.query.redirect);
      res.cookie(SSO_STATE_COOKIE, began.cookie, { ...stateCookie(provider), maxAge: deps.stateTtlMs });
      res.redirect(302, began.authorizationUrl);
    } catch (err) {
      if (!(err instanceof SsoLoginError)) throw err;
      res.redirect(302, withReason(err.redirect, err.error.code));
    }
  });

  const callback: RequestHandler = async (req, res) => {
    const provider = String(req.params.provider);
    const params = new URLSearchParams();
    const source = (req.method === 'POST' ? req.body : req.query) as Record<string, unknown>;
    for (const [k, v] of Object.entries(source ?? {})) if (typeof v === 'string') params.append(k, v);
    const jar = (req.cookies ?? {}) as Record<string, unknown>;
    // Spent either way: the state is single-use.
    res.clearCookie(SSO_STATE_COOKIE, stateCookie(provider));
    try {
      const done = await deps.login.complete(provider, {
        params,
        stateCookie: jar[SSO_STATE_COOKIE],
        ip: requestClientAddress(req, deps.trustedPeers),
        userAgent: req.get('user-agent'),
      });
      // The provider's MODE answers like a login in that mode: the session cookie (session) or the
      // refresh cookie (cookie, for apps that call /auth/refresh); the body is a redirect.
      writeAuthAnswer(res, authAnswer(done.mode, done.tokens, deps.cookies, deps.clock.now()), deps.cookies);
      res.redirect(302, done.redirect);
    } catch (err) {
      if (!(err instanceof SsoLoginError)) throw err;
      res.redirect(302, withReason(err.redirect, err.error.code));
    }
  };
  r.get('/auth/login/:provider/callback', noStore, callback);
  r.post('/auth/login/:provider/callback', noStore, form, callback);

  r.post('/auth/login/:provider/backchannel-logout', noStore, form, async (req, res) => {
    try {
      const p = deps.providers.find((x) => x.name === req.params.provider);
      if (!p) throw new GatehouseError('INVALID_REQUEST', { detail: 'unknown provider' });
      await deps.backchannel.handle(p, (req.body as Record<string, unknown> | undefined)?.logout_token);
      res.status(200).end();
    } catch (err) {
      const ge = toGatehouseError(err);
      if (ge.code === 'SERVICE_UNAVAILABLE' || ge.code === 'INTERNAL') throw ge;
      // Back-Channel Logout 1.0 §2.8: 400 on any defect, with an OAuth-style error body.
      res.status(400).json({ error: 'invalid_request', error_description: ge.message });
    }
  });
  return r;
}
