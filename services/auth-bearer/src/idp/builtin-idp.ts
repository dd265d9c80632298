import { Router, type NextFunction, type Request, type Response } from 'express';
import type { JWK } from 'jose';
import type Provider from 'oidc-provider';
import { builtinIdpIssuer, deriveKey } from '@gatehouse/shared';
import { idpClients, type ClientsInput } from './clients.js';
import { GrantSessions } from './grant-sessions.js';
import type { IdpConfig } from './idp-config.js';
import { interactionRoutes } from './interaction-routes.js';
import type { IdpDeps } from './ports.js';
import { createProvider } from './provider.js';

export type BuiltinIdpConfig = IdpConfig &
  ClientsInput & {
    ACCESS_TOKEN_AUDIENCE: string;
    ACCESS_TOKEN_TTL: number;
    REFRESH_TOKEN_TTL: number;
    COOKIE_SECURE?: 'true' | 'false' | undefined;
  };

const seconds = (ms: number) => Math.max(1, Math.floor(ms / 1000));

/**
 * The built-in OpenID Provider, mounted by auth-bearer at /oidc (issuer PUBLIC_URL/oidc). The
 * Provider is rebuilt when the key ring's published keys change (oidc-provider's keystore is fixed
 * at construction); it keeps no state of its own, everything is in the shared store, so requests
 * in flight on the previous instance finish unharmed.
 */
export class BuiltinIdp {
  readonly issuer: string;
  private readonly grants: GrantSessions;
  private current: { version: string; provider: Provider } | undefined;
  private readonly callbacks = new WeakMap<Provider, ReturnType<Provider['callback']>>();

  constructor(
    private readonly config: BuiltinIdpConfig,
    private readonly deps: IdpDeps,
  ) {
    this.issuer = builtinIdpIssuer(config.PUBLIC_URL);
    this.grants = new GrantSessions({ store: deps.store, sessions: deps.sessions, ttlMs: config.REFRESH_TOKEN_TTL });
  }

  /** Builds the provider and checks every client's metadata with oidc-provider's own rules: all problems at once. */
  async init(): Promise<void> {
    const p = await this.provider();
    const problems: string[] = [];
    for (const c of idpClients(this.config)) {
      try {
        await p.Client.validate(c);
      } catch (err) {
        const e = err as { error_description?: string; message?: string };
        problems.push(`client ${c.client_id}: ${e.error_description ?? e.message ?? String(err)}`);
      }
    }
    if (problems.length > 0) throw new Error(`invalid OIDC clients (AUTH_OIDC_CLIENTS):\n  ${problems.join('\n  ')}`);
  }

  /**
   * The provider for the key ring's current keys, rebuilt when they change (a rotation here, or seen
   * through the key ring's cache TTL or the keys.rotated event when it happened on another instance).
   * Built synchronously, with no await between the version check and the assignment: concurrent
   * requests build once, and changed keys always replace the provider (an async build shared
   * through a promise field once pinned the first provider, and its keys, for good).
   */
  async provider(): Promise<Provider> {
    const jwks = await this.deps.keys.signingJwks();
    if (this.current?.version !== jwks.version) this.current = { version: jwks.version, provider: this.build(jwks.keys) };
    return this.current.provider;
  }

  private build(keys: JWK[]): Provider {
    const c = this.config;
    return createProvider({
      issuer: this.issuer,
      resource: c.PUBLIC_URL,
      audience: c.ACCESS_TOKEN_AUDIENCE,
      jwks: { keys },
      clients: idpClients(c),
      // Without keys oidc-provider's cookies are silently unsigned.
      cookieKeys: [deriveKey(c.GATEHOUSE_SECRET, 'oidc-cookies').toString('base64url')],
      secureCookies: c.COOKIE_SECURE ? c.COOKIE_SECURE === 'true' : c.PUBLIC_URL.startsWith('https:'),
      ttl: {
        accessToken: seconds(c.ACCESS_TOKEN_TTL),
        refreshToken: seconds(c.REFRESH_TOKEN_TTL),
        code: seconds(c.AUTH_OIDC_CODE_TTL),
        interaction: seconds(c.AUTH_OIDC_INTERACTION_TTL),
        login: seconds(c.AUTH_OIDC_LOGIN_TTL),
      },
      deps: this.deps,
      grants: this.grants,
    });
  }

  /** The Express router to mount at BUILTIN_IDP_PATH. */
  router(): Router {
    const pub = new URL(this.config.PUBLIC_URL);
    const prefix = pub.pathname.replace(/\/+$/, '');
    const basePath = new URL(this.issuer).pathname;
    const r = Router();
    // Every URL the provider builds is PUBLIC_URL's: the forwarded protocol and host are set here
    // from configuration, whatever a client sent, and a path under PUBLIC_URL is put back in front.
    r.use((req: Request, _res: Response, next: NextFunction) => {
      req.headers['x-forwarded-proto'] = pub.protocol.slice(0, -1);
      req.headers['x-forwarded-host'] = pub.host;
      if (prefix) req.originalUrl = prefix + req.originalUrl;
      next();
    });
    r.use(
      interactionRoutes({
        provider: () => this.provider(),
        deps: this.deps,
        grants: this.grants,
        basePath,
        maxFormBytes: this.config.AUTH_OIDC_MAX_FORM_BYTES,
      }),
    );
    r.use((req: Request, res: Response, next: NextFunction) => {
      this.provider().then((p) => {
        let cb = this.callbacks.get(p);
        if (!cb) this.callbacks.set(p, (cb = p.callback()));
        return cb(req, res);
      }, next);
    });
    return r;
  }
}
