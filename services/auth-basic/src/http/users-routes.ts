import { Router, type Request, type RequestHandler } from 'express';
import { ADMIN_ROLE, GatehouseError, requireIdentity, type IdentityClaims } from '@gatehouse/shared';
import type { TotpService } from '../auth/totp-service.js';
import type { UserAdministration } from '../auth/user-administration.js';
import { toPublicUser } from '../domain/user.js';
import { bodyOf, type ClientIp } from './body.js';

function callerId(req: Request): string {
  const sub = req.identity?.sub;
  if (!sub) throw new GatehouseError('UNAUTHENTICATED');
  return sub;
}

/**
 * /users (admin role) and /users/me/tfa/* (any signed-in user), behind the proxy's identity header.
 * Both administer users: a delegated caller (app token, API key, third-party app, `act`) is refused
 * with 403 FORBIDDEN even when its user is an admin. GET /users/me only reads: any caller.
 */
export function usersRoutes(deps: {
  directory: UserAdministration;
  totp: TotpService;
  verifyIdentity: (t: string) => Promise<IdentityClaims>;
  clientIp: ClientIp;
  pageMax: number;
}): Router {
  const r = Router();
  const signedIn: RequestHandler = requireIdentity(deps.verifyIdentity);
  const inPerson: RequestHandler = requireIdentity(deps.verifyIdentity, { inPerson: 'Two-factor authentication' });
  const admin: RequestHandler = requireIdentity(deps.verifyIdentity, { roles: [ADMIN_ROLE], inPerson: 'Users' });
  const { directory, totp } = deps;

  // Self-service TOTP (Directus: /users/me/tfa/generate, /enable, /disable).
  r.post('/users/me/tfa/generate', inPerson, async (req, res) => {
    const u = await directory.get({ id: callerId(req) });
    res.json({ data: await totp.generate(u, bodyOf(req).password, deps.clientIp(req)) });
  });
  r.post('/users/me/tfa/enable', inPerson, async (req, res) => {
    const body = bodyOf(req);
    const u = await directory.get({ id: callerId(req) });
    res.setHeader('Cache-Control', 'no-store');
    res.json({ data: await totp.enable(u, body.secret, body.otp) });
  });
  r.post('/users/me/tfa/disable', inPerson, async (req, res) => {
    const body = bodyOf(req);
    await totp.disable(await directory.get({ id: callerId(req) }), { otp: body.otp, password: body.password }, deps.clientIp(req));
    res.status(204).end();
  });
  r.get('/users/me', signedIn, async (req, res) => {
    res.json({ data: toPublicUser(await directory.get({ id: callerId(req) })) });
  });

  r.get('/users', admin, async (req, res) => {
    const limit = Math.min(deps.pageMax, Math.max(1, Number(req.query.limit ?? deps.pageMax) || deps.pageMax));
    const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
    const page = await directory.list(limit, cursor);
    res.json({ data: page.users.map(toPublicUser), meta: { next_cursor: page.next ?? null } });
  });
  r.post('/users', admin, async (req, res) => {
    res.json({ data: toPublicUser(await directory.create(bodyOf(req) as { email: unknown })) });
  });
  r.get('/users/:id', admin, async (req, res) => {
    res.json({ data: toPublicUser(await directory.get({ id: String(req.params.id) })) });
  });
  r.patch('/users/:id', admin, async (req, res) => {
    res.json({ data: toPublicUser(await directory.update(String(req.params.id), bodyOf(req))) });
  });
  r.post('/users/:id/disable', admin, async (req, res) => {
    res.json({ data: toPublicUser(await directory.disable(String(req.params.id))) });
  });
  r.delete('/users/:id', admin, async (req, res) => {
    await directory.delete(String(req.params.id));
    res.status(204).end();
  });
  return r;
}
