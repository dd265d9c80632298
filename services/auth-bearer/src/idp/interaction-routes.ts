import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type Provider from 'oidc-provider';
import { errors } from './oidc-provider.js';
import { GatehouseError, accountClaims, isGatehouseError, requestClientAddress } from '@gatehouse/shared';
import type { GrantSessions } from './grant-sessions.js';
import { consentPage, errorPage, formTargetOf, loginPage, type Page } from './pages.js';
import type { IdpDeps } from './ports.js';

const send = (res: Response, p: Page) => res.status(p.status).set(p.headers).send(p.body);
const field = (v: unknown, max: number): string => (typeof v === 'string' && v.length <= max ? v : '');

/** What the login form says for each refusal of the password check; anything else is not the user's doing. */
const REFUSALS: Record<string, { status: number; message: string }> = {
  INVALID_CREDENTIALS: { status: 401, message: 'Wrong e-mail or password.' },
  INVALID_OTP: { status: 401, message: 'Enter the current code from your authenticator app (or a recovery code).' },
  INVALID_PAYLOAD: { status: 400, message: 'Enter your e-mail and password.' },
};

/**
 * The provider's login and consent pages: plain forms, no script. Every handler starts with
 * interactionDetails, which only answers for the browser holding the interaction's signed,
 * path-scoped, SameSite=Lax cookie: a forged cross-site POST has no such cookie and is refused.
 */
export function interactionRoutes(o: {
  provider: () => Promise<Provider>;
  deps: IdpDeps;
  grants: GrantSessions;
  basePath: string;
  maxFormBytes: number;
}): Router {
  const { deps, grants } = o;
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: o.maxFormBytes, parameterLimit: 10 });
  const urls = (uid: string) => ({
    login: `${o.basePath}/interaction/${uid}/login`,
    consent: `${o.basePath}/interaction/${uid}/consent`,
    abort: `${o.basePath}/interaction/${uid}/abort`,
  });
  const clientName = async (p: Provider, id: unknown) => {
    const client = typeof id === 'string' ? await p.Client.find(id) : undefined;
    return client?.clientName ?? client?.clientId ?? 'the application';
  };

  r.get('/interaction/:uid', async (req, res, next) => {
    try {
      const p = await o.provider();
      const d = await p.interactionDetails(req, res);
      const u = urls(d.uid);
      const name = await clientName(p, d.params.client_id);
      const formTargets = formTargetOf(d.params.redirect_uri);
      if (d.prompt.name === 'login') {
        const hint = field(d.params.login_hint, 320);
        return send(res, loginPage({ action: u.login, abort: u.abort, clientName: name, email: hint, askOtp: false, formTargets }));
      }
      const accountId = d.session?.accountId ?? '';
      const user = accountId ? await deps.users.getUser({ id: accountId }) : null;
      const scopes = (typeof d.params.scope === 'string' ? d.params.scope : '').split(' ').filter((s) => s && s !== 'openid');
      send(res, consentPage({ action: u.consent, abort: u.abort, clientName: name, email: user?.email ?? accountId, scopes, formTargets }));
    } catch (err) {
      next(err);
    }
  });

  r.post('/interaction/:uid/login', form, async (req, res, next) => {
    try {
      const p = await o.provider();
      const d = await p.interactionDetails(req, res);
      if (d.prompt.name !== 'login') throw new errors.InvalidRequest('this sign-in step is already done');
      const body = (req.body ?? {}) as Record<string, unknown>;
      const email = field(body.email, 320).trim();
      const otp = field(body.otp, 64).trim();
      let checked;
      try {
        checked = await deps.credentials.checkCredentials({
          email,
          password: field(body.password, 4096),
          otp,
          ip: requestClientAddress(req, deps.trustedPeers),
        });
      } catch (err) {
        const refusal = isGatehouseError(err) ? REFUSALS[err.code] : undefined;
        const limited = isGatehouseError(err) && err.code === 'REQUESTS_EXCEEDED';
        if (!refusal && !limited) throw err;
        const u = urls(d.uid);
        const retry = limited ? err.retryAfter : undefined;
        if (retry) res.set('Retry-After', String(retry));
        return send(
          res,
          loginPage({
            action: u.login,
            abort: u.abort,
            clientName: await clientName(p, d.params.client_id),
            email,
            error: limited ? `Too many attempts. Try again in ${retry ?? 'a few'} seconds.` : refusal!.message,
            askOtp: isGatehouseError(err) && err.code === 'INVALID_OTP',
            formTargets: formTargetOf(d.params.redirect_uri),
            status: limited ? 429 : refusal!.status,
          }),
        );
      }
      await p.interactionFinished(
        req,
        res,
        { login: { accountId: checked.user.id, amr: checked.amr } },
        { mergeWithLastSubmission: false },
      );
    } catch (err) {
      next(err);
    }
  });

  r.post('/interaction/:uid/consent', form, async (req, res, next) => {
    try {
      const p = await o.provider();
      const d = await p.interactionDetails(req, res);
      if (d.prompt.name !== 'consent') throw new errors.InvalidRequest('this consent step is already done');
      const accountId = d.session?.accountId;
      const clientId = String(d.params.client_id);
      if (!accountId) throw new errors.InvalidRequest('no signed-in user');
      const details = d.prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      const existing = d.grantId ? await p.Grant.find(d.grantId) : undefined;
      const grant = existing ?? new p.Grant({ accountId, clientId });
      if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
      if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {}))
        grant.addResourceScope(indicator, scopes.join(' '));
      const grantId = await grant.save();
      if (!existing) {
        // The grant's Gatehouse session: its sid goes into every access token of the grant.
        const user = await deps.users.getUser({ id: accountId });
        if (!user || user.status !== 'active') throw new GatehouseError('UNAUTHENTICATED', { detail: 'user is not active' });
        const amr = (d.lastSubmission?.login as { amr?: string[] } | undefined)?.amr ?? (d.session as { amr?: string[] } | undefined)?.amr;
        await grants.open(grantId, {
          ...accountClaims(user),
          client_id: clientId,
          amr: amr && amr.length > 0 ? amr : ['pwd'],
          scopes: (typeof d.params.scope === 'string' ? d.params.scope : '').split(' ').filter(Boolean),
          ip: requestClientAddress(req, deps.trustedPeers),
          user_agent: String(req.headers['user-agent'] ?? ''),
        });
      }
      await p.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    } catch (err) {
      next(err);
    }
  });

  r.post('/interaction/:uid/abort', async (req, res, next) => {
    try {
      const p = await o.provider();
      await p.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'End-User aborted interaction' },
        { mergeWithLastSubmission: false },
      );
    } catch (err) {
      next(err);
    }
  });

  r.use('/interaction', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err instanceof errors.SessionNotFound)
      return send(res, errorPage(400, 'This sign-in has expired or was started in another browser. Start again from the application.'));
    if (err instanceof errors.OIDCProviderError) return send(res, errorPage(err.statusCode, err.error_description ?? err.message));
    if (isGatehouseError(err) && err.code !== 'INTERNAL') {
      if (err.code === 'SERVICE_UNAVAILABLE') res.set('Retry-After', String(err.retryAfter ?? 1));
      return send(
        res,
        errorPage(
          err.httpStatus,
          err.code === 'SERVICE_UNAVAILABLE' ? 'Sign-in is unavailable. Try again shortly.' : 'Sign-in was refused.',
        ),
      );
    }
    deps.logger.error({ err }, 'built-in OpenID Provider: interaction failed');
    next(err);
  });
  return r;
}
