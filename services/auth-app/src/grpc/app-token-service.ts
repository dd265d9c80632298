import {
  GatehouseError,
  accountClaims,
  type AppTokenInfo,
  type AppTokenServiceHandlers,
  type AsyncHandlers,
  type UserKey,
} from '@gatehouse/shared';
import type { AppTokens } from '../domain/app-tokens.js';
import { LABEL_CLI, LABEL_IMPERSONATION } from '../domain/label.js';
import type { AppTokenRecord } from '../domain/ports.js';

/** The `oneof user { user_id, user_name }` that CreateAppToken, ListAppTokens and DeleteAppToken share. */
type UserOneof = Parameters<AsyncHandlers<AppTokenServiceHandlers>['ListAppTokens']>[0];

/** The CLI's default expiry (seed 004: "Default is 72h"). The HTTP API has none: expiry is required there. */
export const CLI_DEFAULT_EXPIRY = '72h';

function info(r: AppTokenRecord): AppTokenInfo {
  return {
    id: r.id,
    label: r.label,
    created_at_ms: r.created,
    expires_at_ms: r.expires,
    last_used_at_ms: r.last_used,
    scopes: r.scopes,
    user_id: r.user_id,
  };
}

function userRef(req: UserOneof): UserKey | null {
  if (req.user === 'user_id' && req.user_id) return { id: req.user_id };
  if (req.user === 'user_name' && req.user_name) return { email: req.user_name };
  return null;
}

function requireUser(req: UserOneof): UserKey {
  const ref = userRef(req);
  if (!ref) throw new GatehouseError('INVALID_PAYLOAD', { message: 'user_id or user_name is required.' });
  return ref;
}

async function userIdOf(tokens: AppTokens, ref: UserKey): Promise<string> {
  if ('id' in ref) return ref.id;
  const user = await tokens.resolveUser(ref);
  if (!user) throw new GatehouseError('NOT_FOUND', { message: 'User not found.' });
  return user.id;
}

/**
 * gatehouse.v1.AppTokenService. Authenticate is the proxy's; Create, List and Delete are the
 * CLI's (an internal, operator-only API: no identity header, the caller is trusted to name users).
 */
export function appTokenServiceHandlers(tokens: AppTokens): AsyncHandlers<AppTokenServiceHandlers> {
  return {
    Authenticate: async (req) => {
      const { user, record } = await tokens.authenticate(req.username, req.token);
      return {
        ...accountClaims(user),
        amr: ['app'],
        auth_method: 'app',
        scopes: record.scopes,
        token_id: record.id,
        expires_at_ms: record.expires,
      };
    },
    CreateAppToken: async (req) => {
      const actorId = req.actor_user_id || undefined;
      const { token, record } = await tokens.create({
        user: requireUser(req),
        expiry: req.expiry || CLI_DEFAULT_EXPIRY,
        label: req.label,
        defaultLabel: actorId ? LABEL_IMPERSONATION : LABEL_CLI,
        scopes: req.scopes,
        actorId,
      });
      return { token, info: info(record) };
    },
    ListAppTokens: async (req) => {
      const userId = await userIdOf(tokens, requireUser(req));
      return { tokens: (await tokens.list(userId)).map(info) };
    },
    DeleteAppToken: async (req) => {
      const ref = userRef(req);
      const userId = ref ? await userIdOf(tokens, ref) : null;
      if (!req.token) throw new GatehouseError('INVALID_PAYLOAD', { message: 'token is required (its id, or the token itself).' });
      await tokens.delete(userId, req.token);
      return {};
    },
  };
}
