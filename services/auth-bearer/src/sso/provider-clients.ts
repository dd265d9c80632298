import * as oidc from 'openid-client';
import { GatehouseError, discoverIssuer, type ProviderConfig } from '@gatehouse/shared';

export interface ProviderClientOptions {
  /** Time of one request to the IdP (discovery, token, userinfo). */
  timeoutMs: number;
  /** After a failed discovery, further logins fail fast for this long before it is tried again. */
  retryAfterMs: number;
  /** How requests reach the IdPs (tests; the built-in IdP, which auth-bearer reaches on its own listener). Default: the global fetch. */
  fetch?: typeof fetch;
  /** Send client secrets in the body (the built-in IdP registers its first-party clients with client_secret_post). */
  secretPost?: boolean;
}

/** RFC 6749 §2.3.1: client_secret_basic unless the IdP says it supports only client_secret_post. */
function clientAuth(p: ProviderConfig, meta: oidc.ServerMetadata, secretPost: boolean): oidc.ClientAuth {
  if (!p.clientSecret) return oidc.None();
  if (secretPost) return oidc.ClientSecretPost(p.clientSecret);
  const methods = meta.token_endpoint_auth_methods_supported;
  return methods && !methods.includes('client_secret_basic') && methods.includes('client_secret_post')
    ? oidc.ClientSecretPost(p.clientSecret)
    : oidc.ClientSecretBasic(p.clientSecret);
}

/**
 * openid-client configurations of the providers: openid ones from discovery (issuer checked by
 * openid-client), oauth2 ones from their three URLs. Built on first use, not at start (an IdP that
 * is down must not keep Gatehouse from starting), and kept; a failed discovery is retried after
 * `retryAfterMs`. Plain http only for providers the config allowed it for (loopback issuers).
 */
export class ProviderClients {
  private readonly ready = new Map<string, oidc.Configuration>();
  private readonly pending = new Map<string, Promise<oidc.Configuration>>();
  private readonly failedAt = new Map<string, number>();

  constructor(private readonly opts: ProviderClientOptions) {}

  async get(p: ProviderConfig): Promise<oidc.Configuration> {
    const done = this.ready.get(p.name);
    if (done) return done;
    const failed = this.failedAt.get(p.name);
    if (failed !== undefined && Date.now() - failed < this.opts.retryAfterMs)
      throw new GatehouseError('SERVICE_UNAVAILABLE', { detail: `provider ${p.name}: discovery failed recently`, retryAfter: 5 });
    let inflight = this.pending.get(p.name);
    if (!inflight) {
      inflight = this.build(p).finally(() => this.pending.delete(p.name));
      this.pending.set(p.name, inflight);
    }
    try {
      const config = await inflight;
      this.ready.set(p.name, config);
      this.failedAt.delete(p.name);
      return config;
    } catch (err) {
      this.failedAt.set(p.name, Date.now());
      throw err;
    }
  }

  private async build(p: ProviderConfig): Promise<oidc.Configuration> {
    const meta: oidc.ServerMetadata =
      p.driver === 'openid'
        ? await discoverIssuer(p.issuer!, {
            allowInsecureRequests: p.allowInsecureRequests,
            timeoutMs: this.opts.timeoutMs,
            ...this.fetchOpt(),
          })
        : { issuer: new URL(p.authorizeUrl!).origin, authorization_endpoint: p.authorizeUrl!, token_endpoint: p.accessUrl! };
    const config = new oidc.Configuration(
      meta,
      p.clientId!,
      p.clientSecret ? { client_secret: p.clientSecret } : {},
      clientAuth(p, meta, this.opts.secretPost === true),
    );
    if (p.allowInsecureRequests) oidc.allowInsecureRequests(config);
    config.timeout = Math.max(1, Math.ceil(this.opts.timeoutMs / 1000));
    if (this.opts.fetch) config[oidc.customFetch] = this.opts.fetch;
    return config;
  }

  private fetchOpt(): { fetch?: typeof fetch } {
    return this.opts.fetch ? { fetch: this.opts.fetch } : {};
  }
}
