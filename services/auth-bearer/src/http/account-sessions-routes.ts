import { Router, type Request } from 'express';
import { GatehouseError, noStore, requireIdentity, selfCaller, type IdentityClaims } from '@gatehouse/shared';
import type { SessionService } from '../domain/sessions.js';
import type { SessionRecord } from '../store/session-store.js';

/** The caller's own sessions (account console): list, end one, end all. */
export const SESSIONS_PATH = '/auth/sessions';

/** Session ids are UUIDs; anything else is not looked up (and answers as an unknown id does). */
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The verified caller in person (shared `selfCaller`): an app token, an API key or a service acting
 * for the user (act) is refused with 403; only the user signed in themselves manages their sessions.
 */
const sessionOwner = (req: Request): IdentityClaims => selfCaller(req.identity, 'Sessions');

const iso = (ms: number) => new Date(ms).toISOString();

/** What the owner may see of a session: never a token, digest, or the claims it carries. */
export function sessionView(s: SessionRecord, currentSid: string | undefined) {
  return {
    id: s.id,
    client_id: s.client_id,
    amr: s.amr,
    created: iso(s.created_at),
    last_used: iso(s.last_used_at),
    // When it ends if left unused: the idle expiry, never past the absolute one.
    expires: iso(Math.min(s.expires_at, s.idle_expires_at)),
    ip: s.ip,
    user_agent: s.user_agent,
    current: currentSid !== undefined && currentSid === s.id,
  };
}

/**
 * GET /auth/sessions, DELETE /auth/sessions/:id, DELETE /auth/sessions ("sign out everywhere"),
 * the caller from the proxy's `X-Gatehouse-Identity`.
 */
export function accountSessionsRoutes(deps: {
  sessions: SessionService;
  verifyIdentity: (token: string) => Promise<IdentityClaims>;
}): Router {
  const { sessions } = deps;
  const r = Router();
  r.use(SESSIONS_PATH, noStore, requireIdentity(deps.verifyIdentity));

  r.get(SESSIONS_PATH, async (req, res) => {
    const caller = sessionOwner(req);
    const list = await sessions.list(caller.sub);
    res.json({ data: list.map((s) => sessionView(s, caller.sid)) });
  });

  r.delete(`${SESSIONS_PATH}/:id`, async (req, res) => {
    const caller = sessionOwner(req);
    const id = req.params.id;
    // Another user's session and an unknown id answer alike: ids of others are not confirmed.
    const s = typeof id === 'string' && SESSION_ID.test(id) ? await sessions.get(id) : null;
    if (!s || s.user_id !== caller.sub) throw new GatehouseError('NOT_FOUND', { message: 'Session not found.' });
    await sessions.revokeSession(s.id, 'user_signed_out');
    res.status(204).end();
  });

  r.delete(SESSIONS_PATH, async (req, res) => {
    const caller = sessionOwner(req);
    await sessions.revokeUser(caller.sub, 'sign_out_everywhere');
    res.status(204).end();
  });

  r.all([SESSIONS_PATH, `${SESSIONS_PATH}/:id`], () => {
    throw new GatehouseError('METHOD_NOT_ALLOWED');
  });
  return r;
}
