import {
  ASYMMETRIC_JWS_ALGORITHMS,
  GatehouseError,
  issuerKeySource,
  sha256,
  verifyJws,
  type Clock,
  type KeySource,
  type KeyValueStore,
  type Logger,
  type ProviderConfig,
} from '@gatehouse/shared';
import type { SessionService } from '../domain/sessions.js';
import type { SsoSessionIndex } from './sso-session-index.js';

/** OpenID Connect Back-Channel Logout 1.0 §2.4. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export interface BackchannelOptions {
  clockSkewSec: number;
  maxTokenBytes: number;
  timeoutMs: number;
  jwksTtlMs: number;
  jwksCooldownMs: number;
  /** Tests only. */
  fetch?: typeof fetch;
}

const bad = (detail: string) => new GatehouseError('INVALID_REQUEST', { detail });
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== '' && v.length <= 1024;

/**
 * RP side of back-channel logout: the logout token is verified (signature with the provider's
 * keys, typ logout+jwt, iss, aud, iat, exp, the events claim, no nonce, sid or sub, jti never seen
 * before) and the Gatehouse sessions opened through that provider session (sid) or, without sid,
 * for that provider user (sub) are revoked, which publishes their revocation. Any defect is
 * INVALID_REQUEST (the route answers 400).
 */
export class BackchannelLogout {
  private readonly keys = new Map<string, KeySource>();

  constructor(
    private readonly deps: {
      sessions: SessionService;
      index: SsoSessionIndex;
      store: KeyValueStore;
      clock: Clock;
      logger: Logger;
      opts: BackchannelOptions;
    },
  ) {}

  private keysOf(p: ProviderConfig): KeySource {
    let k = this.keys.get(p.name);
    if (!k) {
      const o = this.deps.opts;
      k = issuerKeySource(p.issuer!, {
        allowInsecureRequests: p.allowInsecureRequests,
        timeoutMs: o.timeoutMs,
        maxAgeMs: o.jwksTtlMs,
        cooldownMs: o.jwksCooldownMs,
        ...(o.fetch ? { fetch: o.fetch } : {}),
      });
      this.keys.set(p.name, k);
    }
    return k;
  }

  /** Returns how many Gatehouse sessions ended. */
  async handle(p: ProviderConfig, logoutToken: unknown): Promise<number> {
    if (p.driver !== 'openid' || !p.issuer) throw bad(`provider ${p.name} has no issuer`);
    if (typeof logoutToken !== 'string' || logoutToken === '') throw bad('logout_token missing');
    const { header, payload } = await verifyJws(logoutToken, {
      algorithms: ASYMMETRIC_JWS_ALGORITHMS,
      keys: this.keysOf(p),
      maxBytes: this.deps.opts.maxTokenBytes,
    }).catch((err: unknown) => {
      // An IdP whose keys cannot be fetched is no defect of the token: 503, the OP may retry.
      if (err instanceof GatehouseError && err.code === 'SERVICE_UNAVAILABLE') throw err;
      throw bad(err instanceof GatehouseError ? (err.detail ?? err.code) : String(err));
    });
    const typ = typeof header.typ === 'string' ? header.typ.toLowerCase().replace(/^application\//, '') : '';
    if (typ !== 'logout+jwt') throw bad(`typ ${String(header.typ)} is not logout+jwt`);
    let c: Record<string, unknown>;
    try {
      c = JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
    } catch {
      throw bad('payload is not JSON');
    }
    if (typeof c !== 'object' || c === null || Array.isArray(c)) throw bad('payload is not an object');
    const now = Math.floor(this.deps.clock.now() / 1000);
    const skew = this.deps.opts.clockSkewSec;
    if (c.iss !== p.issuer) throw bad('unexpected iss');
    const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
    if (!aud.includes(p.clientId)) throw bad('unexpected aud');
    if (!isNum(c.iat) || c.iat > now + skew) throw bad('iat missing or in the future');
    if (!isNum(c.exp) || c.exp <= now - skew) throw bad('exp missing or passed');
    const events = c.events as Record<string, unknown> | undefined;
    const event = typeof events === 'object' && events !== null && !Array.isArray(events) ? events[BACKCHANNEL_LOGOUT_EVENT] : undefined;
    if (typeof event !== 'object' || event === null || Array.isArray(event))
      throw bad('events claim without the back-channel logout event');
    if ('nonce' in c) throw bad('a logout token carries no nonce');
    const sid = nonEmpty(c.sid) ? c.sid : undefined;
    const sub = nonEmpty(c.sub) ? c.sub : undefined;
    if (!sid && !sub) throw bad('neither sid nor sub');
    if (!nonEmpty(c.jti)) throw bad('jti missing');
    const ttlMs = Math.max(1000, (c.exp + skew) * 1000 - this.deps.clock.now());
    const first = await this.deps.store.set(`bearer:sso-logout-jti:${p.name}:${sha256(c.jti)}`, '1', { onlyIfAbsent: true, ttlMs });
    if (!first) throw bad('logout token replayed (jti seen before)');

    const candidates = sid ? await this.deps.index.bySid(p.name, sid) : await this.deps.index.bySub(p.name, sub!);
    let ended = 0;
    for (const id of candidates) {
      const s = await this.deps.sessions.get(id);
      const link = s?.external;
      // The index is a hint: the session itself must say it came from this provider session.
      if (!s || !link || link.provider !== p.name) continue;
      if (sid && link.sid !== sid) continue;
      if (sub && link.sub !== sub) continue;
      if (await this.deps.sessions.revokeSession(id, 'backchannel_logout')) ended++;
    }
    this.deps.logger.info({ provider: p.name, sessions: ended, by: sid ? 'sid' : 'sub' }, 'back-channel logout');
    return ended;
  }
}
