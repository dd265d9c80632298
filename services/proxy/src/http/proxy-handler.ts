import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { csrfRefusalOf, GatehouseError, IDENTITY_HEADER, toGatehouseError, type Identity } from '@gatehouse/shared';
import type { Decision } from '../auth/gatekeeper.js';
import { matchRoute } from '../domain/match-route.js';
import { normalizePath } from '../domain/normalize-path.js';
import type { Route } from '../routes/routes-file.js';
import { logAccess, type RequestTrace } from '../observability/access-log.js';
import { forwardHttp, upstreamPath } from './forward.js';
import { cookieGuardFor, IDENTITY_JWKS_PATH, type ProxyContext } from './proxy-context.js';
import { checkRequest, hasQueryToken } from './request-guards.js';
import { challenges, isBrowserNavigation, redirectToLogin, sendJsonError } from './responses.js';
import { upstreamRequestHeaders } from './upstream-headers.js';

export interface Admitted {
  route: Route;
  path: string;
  query: string;
  decision: Extract<Decision, { allowed: true }>;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
/** The header set last built for an identity object (cached principals come back as the same object). */
const headerSets = new WeakMap<Identity, { signed: string; headers: Readonly<Record<string, string>> }>();

/** Identity headers added for simple upstreams, always overwriting anything else. */
export function identityHeaders(identity: Identity | undefined, signed: string | undefined): Readonly<Record<string, string>> {
  if (!identity || !signed) return NO_HEADERS;
  const known = headerSets.get(identity);
  if (known?.signed === signed) return known.headers;
  const headers = Object.freeze({
    [IDENTITY_HEADER]: signed,
    'x-user-id': identity.sub,
    ...(identity.email ? { 'x-user-email': identity.email } : {}),
    'x-user-roles': identity.roles.join(','),
  });
  headerSets.set(identity, { signed, headers });
  return headers;
}

/**
 * The identity headers first, then the client's (already stripped of anything identity-looking).
 * Upstreams cap how many headers they read (node: 2,000 raw entries) and drop the rest silently:
 * a client sending 1,500 filler headers must not push the proxy's identity past that cap.
 */
export function identityFirst(identity: Readonly<Record<string, string>>, client: OutgoingHttpHeaders): OutgoingHttpHeaders {
  return { ...identity, ...client, ...identity };
}

/**
 * Guards, routing and the access decision shared by plain requests and WebSocket upgrades. Writes
 * the refusal itself (via `refuse`) and returns null, or returns what to forward.
 */
export async function admit(
  ctx: ProxyContext,
  req: IncomingMessage,
  refuse: (err: GatehouseError, headers?: Record<string, string | string[]>, redirect?: string) => void,
  trace: RequestTrace,
): Promise<Admitted | null> {
  const guard = checkRequest(req, ctx.maxBodyBytes);
  if (guard) {
    refuse(
      guard,
      guard.code === 'INVALID_REQUEST' && guard.detail?.includes('Authorization')
        ? { 'www-authenticate': challenges(guard, undefined, false, ctx.challenge) }
        : {},
    );
    return null;
  }
  let path: string;
  let query: string;
  try {
    ({ path, query } = normalizePath(req.url ?? ''));
  } catch (err) {
    refuse(toGatehouseError(err));
    return null;
  }
  if (hasQueryToken(query)) {
    const err = new GatehouseError('INVALID_REQUEST', {
      message: 'Access tokens are not accepted in the query string.',
      detail: 'access_token in query',
    });
    refuse(err, { 'www-authenticate': challenges(err, 'Bearer', false, ctx.challenge) });
    return null;
  }
  let route: Route;
  try {
    route = matchRoute(ctx.routes, req.method ?? 'GET', path);
  } catch (err) {
    refuse(toGatehouseError(err));
    return null;
  }
  trace.route = route.name;
  // A cookie-authenticated state change or upgrade from another origin's page (CSRF).
  const forged = csrfRefusalOf(req, path, ctx.csrf.authCookies, ctx.csrf.policy);
  if (forged) {
    refuse(forged);
    return null;
  }
  const cookie = req.headers.cookie;
  const decision = await ctx.gatekeeper.decide(
    { authorization: req.headers.authorization, cookie, ip: req.socket.remoteAddress ?? '' },
    { route: route.name, public: route.public, scopes: route.scopes, roles: route.roles, audience: route.upstreamName },
  );
  trace.authMethod = decision.method;
  if (!decision.allowed) {
    const e = decision.error;
    if (e.httpStatus === 401 && decision.noCredential && isBrowserNavigation(req.method ?? '', req.headers)) {
      refuse(e, {}, `${path}${query}`);
    } else if (e.httpStatus === 401 || e.code === 'INSUFFICIENT_SCOPE') {
      refuse(e, { 'www-authenticate': challenges(e, decision.scheme, decision.noCredential, ctx.challenge) });
    } else refuse(e);
    return null;
  }
  trace.decision = 'allow';
  trace.sub = decision.principal?.identity.sub;
  trace.sid = decision.principal?.identity.sid;
  trace.act = decision.principal?.identity.act?.sub;
  return { route, path, query, decision };
}

/** The plain HTTP entry: admit, then stream to the route's upstream with the signed identity. */
export function createRequestHandler(ctx: ProxyContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = process.hrtime.bigint();
    const trace: RequestTrace = { route: 'unmatched', authMethod: 'none' };
    const answered = (status: number) => {
      ctx.metrics.request(trace.route, status, trace.authMethod);
      if (ctx.accessLog) logAccess(ctx.logger, req, status, trace, started);
    };
    if (req.url === IDENTITY_JWKS_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      const body = JSON.stringify(ctx.signer.jwks());
      res.writeHead(200, {
        'content-type': 'application/json',
        'cache-control': 'public, max-age=300',
        'content-length': Buffer.byteLength(body),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      trace.route = 'identity-jwks';
      answered(200);
      return;
    }
    const refuse = (err: GatehouseError, headers: Record<string, string | string[]> = {}, redirect?: string) => {
      // A refused request's body is not read: the connection closes after the answer.
      const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
      if (hasBody) res.setHeader('connection', 'close');
      if (redirect !== undefined) redirectToLogin(res, ctx.loginUrl, redirect);
      else sendJsonError(res, err, headers);
      answered(redirect !== undefined ? 302 : err.httpStatus);
    };
    admit(ctx, req, refuse, trace).then(
      (ok) => {
        if (!ok) return;
        const remoteAddress = req.socket.remoteAddress ?? '';
        const headers = identityFirst(
          identityHeaders(ok.decision.principal?.identity, ok.decision.identityHeader),
          upstreamRequestHeaders(req.rawHeaders, req.headers, {
            remoteAddress,
            trusted: ctx.trustedPeers.trusts(remoteAddress),
            encrypted: Boolean((req.socket as TLSSocket).encrypted),
            passAuthorization: ok.route.passAuthorization,
            dropCookies: ok.route.passCookies ? undefined : ctx.ownsCookie,
          }),
        );
        forwardHttp(req, res, {
          base: ok.route.upstream,
          path: upstreamPath(ok.route.upstream, ok.path, ok.query),
          headers,
          timeoutMs: ok.route.timeoutMs ?? ctx.defaultTimeoutMs,
          maxBodyBytes: ctx.maxBodyBytes,
          pools: ctx.pools,
          cookies: cookieGuardFor(ctx, ok.route),
          done: (status) => {
            ctx.metrics.upstream(ok.route.upstreamName, status, started);
            answered(status);
          },
        });
      },
      (err: unknown) => {
        ctx.logger.error({ err }, 'proxy handler failed');
        refuse(new GatehouseError('SERVICE_UNAVAILABLE', { retryAfter: 1 }));
      },
    );
  };
}
