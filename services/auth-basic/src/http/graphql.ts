import { Router, type Request, type Response } from 'express';
import cookieParser from 'cookie-parser';
import { buildSchema, graphql, parse, type DocumentNode, type GraphQLError } from 'graphql';
import {
  GatehouseError,
  authAnswer,
  clearAuthCookies,
  csrfRefusalOf,
  parseAuthMode,
  presentedRefreshToken,
  toGatehouseError,
  writeAuthAnswer,
  type AuthMode,
  type Clock,
  type CookieSettings,
  type Logger,
  type OriginPolicy,
} from '@gatehouse/shared';
import type { LoginFlow } from '../auth/login-flow.js';
import type { PasswordReset } from '../auth/password-reset.js';
import type { IssuedSession, SessionIssuer } from '../sessions/session-issuer.js';
import { bodyOf, userAgentOf, type ClientIp } from './body.js';
import { mutationFieldCount } from './graphql-limits.js';

const schema = buildSchema(`
  type auth_tokens {
    access_token: String
    expires: Float
    refresh_token: String
  }
  type Query {
    server_ping: String
  }
  type Mutation {
    auth_login(email: String!, password: String!, mode: String, otp: String): auth_tokens
    auth_refresh(refresh_token: String, mode: String): auth_tokens
    auth_logout(refresh_token: String, mode: String): Boolean
    auth_password_request(email: String!, reset_url: String): Boolean
    auth_password_reset(token: String!, password: String!): Boolean
  }
`);

interface Ctx {
  req: Request;
  res: Response;
  /** Aborted when the client goes away: the mutations not started yet never run. */
  signal: AbortSignal;
}

/** Before each resolver: nothing more for a client that has gone. */
function stillWanted(ctx: Ctx): Ctx {
  if (ctx.signal.aborted) throw new GatehouseError('INVALID_REQUEST', { detail: 'client disconnected' });
  return ctx;
}

/**
 * POST /graphql/system with Directus's auth mutations, on graphql-js. Same semantics as REST;
 * errors come back in `errors[]` with `extensions.code` (a GatehouseError code).
 */
export function graphqlRoutes(deps: {
  login: LoginFlow;
  reset: PasswordReset;
  issuer: SessionIssuer;
  cookies: CookieSettings;
  clock: Clock;
  clientIp: ClientIp;
  logger: Logger;
  /** PUBLIC_URL's origin and GATEHOUSE_ALLOWED_ORIGINS: who may refresh or log out with a cookie. */
  origins: OriginPolicy;
  /** AUTH_BASIC_GRAPHQL_MAX_MUTATIONS: auth mutations per request, aliases and fragments counted. */
  maxMutations: number;
}): Router {
  const { cookies } = deps;

  /** The answer of the mode as the mutation's value, with the same cookie and headers as REST. */
  const tokens = (res: Response, mode: AuthMode, s: IssuedSession) =>
    writeAuthAnswer(res, authAnswer(mode, s, cookies, deps.clock.now()), cookies);
  const presented = (req: Request, arg: unknown, mode: AuthMode, use: 'refresh' | 'logout'): string =>
    presentedRefreshToken(arg, req.cookies as Record<string, unknown> | undefined, mode, cookies, use);

  const rootValue = {
    auth_login: async (a: Record<string, unknown>, ctx: Ctx) => {
      const { req, res } = stillWanted(ctx);
      const mode = parseAuthMode(a.mode);
      const { session } = await deps.login.login(
        { email: a.email, password: a.password, otp: a.otp ?? undefined, ip: deps.clientIp(req) },
        userAgentOf(req),
      );
      return tokens(res, mode, session);
    },
    auth_refresh: async (a: Record<string, unknown>, ctx: Ctx) => {
      const { req, res } = stillWanted(ctx);
      const mode = parseAuthMode(a.mode);
      return tokens(
        res,
        mode,
        await deps.issuer.refresh(presented(req, a.refresh_token, mode, 'refresh'), deps.clientIp(req), userAgentOf(req)),
      );
    },
    auth_logout: async (a: Record<string, unknown>, ctx: Ctx) => {
      const { req, res } = stillWanted(ctx);
      const mode = parseAuthMode(a.mode);
      await deps.issuer.revokeSession({ refreshToken: presented(req, a.refresh_token, mode, 'logout') }, 'logout');
      clearAuthCookies(res, cookies);
      return true;
    },
    auth_password_request: async (a: Record<string, unknown>, ctx: Ctx) => {
      stillWanted(ctx);
      await deps.reset.request(a.email, a.reset_url ?? undefined);
      return true;
    },
    auth_password_reset: async (a: Record<string, unknown>, ctx: Ctx) => {
      stillWanted(ctx);
      await deps.reset.reset(a.token, a.password);
      return true;
    },
  };

  const format = (e: GraphQLError) => {
    if (e.originalError && !(e.originalError.name === 'GraphQLError')) {
      const ge = toGatehouseError(e.originalError);
      if (ge.code === 'INTERNAL') deps.logger.error({ err: e.originalError }, 'unhandled error in graphql resolver');
      return { ge, out: { message: ge.message, path: e.path, extensions: { ...(ge.extensions ?? {}), code: ge.code } } };
    }
    return { ge: undefined, out: { message: e.message, locations: e.locations, path: e.path, extensions: { code: 'INVALID_PAYLOAD' } } };
  };

  const r = Router();
  r.post('/graphql/system', cookieParser(), async (req, res) => {
    // auth_refresh and auth_logout read the auth cookies: the proxy's CSRF rule holds here too.
    const forged = csrfRefusalOf(req, '/graphql/system', [cookies.sessionCookieName, cookies.refreshCookieName], deps.origins);
    if (forged) throw forged;
    const body = bodyOf(req);
    if (typeof body.query !== 'string' || body.query.length === 0)
      throw new GatehouseError('INVALID_PAYLOAD', { message: '"query" is required.' });
    const variables = body.variables === undefined || body.variables === null ? undefined : body.variables;
    if (variables !== undefined && (typeof variables !== 'object' || Array.isArray(variables)))
      throw new GatehouseError('INVALID_PAYLOAD', { message: '"variables" must be an object.' });
    let document: DocumentNode | undefined;
    try {
      document = parse(body.query);
    } catch {
      // A syntax error: graphql() below answers it as always.
    }
    if (document && mutationFieldCount(document) > deps.maxMutations)
      throw new GatehouseError('TOO_MANY_MUTATIONS', {
        message: `At most ${deps.maxMutations} auth mutation(s) per request (aliases and fragment spreads count).`,
      });
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    const result = await graphql({
      schema,
      source: body.query,
      rootValue,
      contextValue: { req, res, signal: gone.signal } satisfies Ctx,
      variableValues: variables as Record<string, unknown> | undefined,
      operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
    });
    if (!result.errors) return void res.json({ data: result.data });
    const formatted = result.errors.map(format);
    const retry = formatted.find((f) => f.ge?.retryAfter !== undefined)?.ge?.retryAfter;
    if (retry !== undefined) res.setHeader('Retry-After', String(retry));
    // Errors before execution (syntax, validation) are the client's: 400. Resolver errors travel with 200, as in GraphQL over HTTP.
    const status = result.data === undefined ? 400 : 200;
    res.status(status).json({ ...(result.data !== undefined ? { data: result.data } : {}), errors: formatted.map((f) => f.out) });
  });
  return r;
}
