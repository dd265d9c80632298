import { GatehouseError, toGatehouseError, type Logger } from '@gatehouse/shared';
import { authorize } from '../domain/authorize.js';
import type { AuthPrincipal } from '../domain/principal.js';
import type { Revocation } from '../events/revocation.js';
import type { IdentitySigner } from '../identity/identity-signer.js';
import type { ProxyMetrics } from '../observability/proxy-metrics.js';
import { runAuthChain } from './auth-chain.js';
import { parseAuthorization, type AuthInput, type Authenticator } from './authenticator.js';

export interface AccessRule {
  route: string;
  public: boolean;
  scopes: readonly string[];
  roles: readonly string[];
  /** Who receives the identity header: the route's upstream name, its `aud` (only that upstream accepts it). */
  audience: string;
}

export type Decision =
  | { allowed: true; principal: AuthPrincipal | null; method: string; identityHeader: string | undefined }
  | { allowed: false; error: GatehouseError; method: string; noCredential: boolean; scheme: 'Bearer' | 'Basic' | undefined };

/**
 * One decision per request or call: authenticate with the chain, check revocation, apply the
 * route's rule, sign the identity. Public routes authenticate opportunistically: a valid credential
 * adds the identity, anything else goes on anonymously (never with a client-sent identity).
 * Every decision is logged (who, route, outcome, why) without the credential: denials here, allows
 * here or, with the access log on, in the request's access line.
 */
export class Gatekeeper {
  constructor(
    private readonly chain: readonly Authenticator[],
    private readonly revocation: Revocation,
    private readonly signer: IdentitySigner,
    private readonly metrics: ProxyMetrics,
    private readonly logger: Logger,
    /**
     * False when the access log carries allowed requests (who, route, method, status): an allow is
     * then logged at debug, so a request costs one log line. Denials are always logged at info.
     */
    private readonly logAllows = true,
  ) {}

  async decide(input: AuthInput, rule: AccessRule): Promise<Decision> {
    const started = process.hrtime.bigint();
    const parsed = parseAuthorization(input.authorization);
    const scheme = parsed?.scheme === 'bearer' ? 'Bearer' : parsed?.scheme === 'basic' ? 'Basic' : undefined;
    let method = 'none';
    const deny = (error: GatehouseError, noCredential: boolean, why: string): Decision => {
      this.metrics.authDecision(method, error.code, started);
      this.logger.info(
        { decision: 'deny', route: rule.route, auth_method: method, code: error.code, why, ip: input.ip },
        'access decision',
      );
      return { allowed: false, error, method, noCredential, scheme };
    };
    let principal: AuthPrincipal | null = null;
    try {
      const r = await runAuthChain(this.chain, input);
      if (r.principal) {
        principal = r.principal;
        method = r.method;
        const revoked = await this.revocation.check(principal);
        if (revoked) {
          principal = null;
          if (!rule.public)
            return deny(
              new GatehouseError(scheme === 'Bearer' ? 'INVALID_TOKEN' : 'INVALID_CREDENTIALS', { detail: revoked }),
              false,
              revoked,
            );
        }
      } else if (!rule.public) {
        const err = r.presented
          ? new GatehouseError('INVALID_CREDENTIALS', { detail: 'unsupported or disabled authorization scheme' })
          : new GatehouseError('UNAUTHENTICATED', { detail: 'no credential' });
        return deny(err, !r.presented, err.detail!);
      }
    } catch (err) {
      const ge = toGatehouseError(err);
      if (!rule.public)
        return deny(
          ge.code === 'INTERNAL' ? new GatehouseError('SERVICE_UNAVAILABLE', { retryAfter: 1, detail: ge.detail }) : ge,
          false,
          ge.detail ?? ge.code,
        );
      principal = null;
    }
    if (principal) {
      const refused = authorize(principal.identity, rule);
      if (refused && !rule.public) return deny(refused, false, refused.detail ?? refused.code);
      // A public route goes on anonymously: the upstream never gets an identity its rule refuses.
      if (refused) principal = null;
    }
    const identityHeader = principal ? await this.signer.sign(principal.identity, rule.audience) : undefined;
    this.metrics.authDecision(method, 'allow', started);
    // Skip building the log record when its level is off (the decision log is per request).
    const level = this.logAllows ? 'info' : 'debug';
    if (this.logger.isLevelEnabled(level))
      this.logger[level](
        {
          decision: 'allow',
          route: rule.route,
          auth_method: method,
          sub: principal?.identity.sub,
          sid: principal?.identity.sid,
          // An impersonated action names its actor in the trail (act.sub: the service acting for sub).
          ...(principal?.identity.act ? { act: principal.identity.act.sub } : {}),
          ip: input.ip,
        },
        'access decision',
      );
    return { allowed: true, principal, method, identityHeader };
  }
}
