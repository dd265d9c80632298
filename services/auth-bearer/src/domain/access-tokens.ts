import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { nowSeconds, type Clock } from '@gatehouse/shared/clock';
import { ACCESS_TOKEN_TYP, type AccessTokenClaims } from '@gatehouse/shared/jwt';
import type { SigningKeys } from './ports.js';

/** What goes into an access token besides the registered claims. */
export interface AccessTokenSubject {
  sub: string;
  client_id: string;
  scope?: string[] | undefined;
  sid?: string | undefined;
  amr?: string[] | undefined;
  roles?: string[] | undefined;
  groups?: string[] | undefined;
  email?: string | undefined;
  name?: string | undefined;
  /** RFC 8693 actor. */
  actor?: string | undefined;
  /** The API key (and its generation) a session-less token is minted from: claims `api_key_id`, `api_key_gen`. */
  apiKey?: { id: string; generation: number } | undefined;
}

export interface MintedAccessToken {
  token: string;
  jti: string;
  expiresAtMs: number;
  claims: AccessTokenClaims;
}

/** Signs RFC 9068 access tokens (typ at+jwt) with the key ring's active key. */
export class AccessTokenIssuer {
  constructor(
    private readonly opts: { keys: Pick<SigningKeys, 'active'>; clock: Clock; issuer: string; audience: string; defaultTtlMs: number },
  ) {}

  async mint(s: AccessTokenSubject, o: { ttlMs?: number; audience?: string } = {}): Promise<MintedAccessToken> {
    const key = await this.opts.keys.active();
    const iat = nowSeconds(this.opts.clock);
    const exp = iat + Math.max(1, Math.floor((o.ttlMs ?? this.opts.defaultTtlMs) / 1000));
    const jti = randomUUID();
    const claims: AccessTokenClaims = {
      iss: this.opts.issuer,
      sub: s.sub,
      aud: o.audience ?? this.opts.audience,
      exp,
      iat,
      nbf: iat,
      jti,
      client_id: s.client_id,
      ...(s.scope && s.scope.length > 0 ? { scope: s.scope.join(' ') } : {}),
      ...(s.sid ? { sid: s.sid } : {}),
      ...(s.amr && s.amr.length > 0 ? { amr: s.amr } : {}),
      roles: s.roles ?? [],
      groups: s.groups ?? [],
      ...(s.email ? { email: s.email } : {}),
      ...(s.name ? { name: s.name } : {}),
      ...(s.actor ? { act: { sub: s.actor } } : {}),
      ...(s.apiKey ? { api_key_id: s.apiKey.id, api_key_gen: s.apiKey.generation } : {}),
    };
    const token = await new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ACCESS_TOKEN_TYP }).sign(key.privateKey);
    return { token, jti, expiresAtMs: exp * 1000, claims };
  }
}
