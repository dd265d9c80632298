import { randomUUID } from 'node:crypto';
import { jwtVerify, errors as joseErrors, type CryptoKey, type JWTHeaderParameters } from 'jose';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { GatehouseError } from '../errors.js';
import type { KeySource } from '../jwt/key-source.js';
import { signCompactJws } from '../jwt/signature.js';

/**
 * The identity the proxy hands to upstreams in `X-Gatehouse-Identity`: a short-lived JWT signed
 * by the proxy's own key (JWKS at /.well-known/gatehouse/jwks.json). Upstreams trust this header
 * only after verifying it; the proxy strips any client-sent copy.
 *
 * The header is bound to its destination: its `aud` is the name of the route's upstream
 * (`auth-basic`, `auth-app`, `whoami`, a name under `upstreams:` in the routes file), and every
 * upstream accepts only its own name. A header one upstream receives is therefore worthless at any
 * other (docs/security.md, internal trust).
 */
export const IDENTITY_HEADER = 'x-gatehouse-identity';
export const IDENTITY_TYP = 'gatehouse-identity+jwt';
export const IDENTITY_ISSUER = 'gatehouse-proxy';
/** The longest lifetime of a signed identity (PROXY_IDENTITY_TTL is capped at it). */
export const IDENTITY_MAX_TTL_SEC = 30;

export interface Identity {
  sub: string;
  email?: string;
  name?: string;
  roles: string[];
  groups: string[];
  scopes: string[];
  amr: string[];
  sid?: string;
  /** act.sub: who acts for `sub` (impersonation). */
  act?: { sub: string };
  /** bearer | app | basic | session | apikey */
  auth_method: string;
  /** Id of the credential (app-token id, API-key id, access-token jti). */
  token_id?: string;
  client_id?: string;
}

export interface IdentityClaims extends Identity {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
}

export async function signIdentity(
  identity: Identity,
  key: { privateKey: CryptoKey; kid: string; alg: string },
  ttlSec: number,
  clock: Clock,
  /** The destination: the route's upstream name, the only service that accepts the header. */
  audience: string,
): Promise<string> {
  if (!audience) throw new Error('an identity header needs an audience (the upstream it is for)');
  const now = Math.floor(clock.now() / 1000);
  // Signed on the calling thread (signCompactJws): a fresh token's first request pays this, and
  // jose's WebCrypto path costs 2.7 × as much. Upstreams verify it with jose as before.
  const claims: IdentityClaims = { ...identity, iss: IDENTITY_ISSUER, aud: audience, iat: now, exp: now + ttlSec, jti: randomUUID() };
  return signCompactJws({ alg: key.alg, kid: key.kid, typ: IDENTITY_TYP }, claims, key.privateKey);
}

/** Verifies an identity header against the proxy's keys (pinned algorithms, typ, iss, exp, and aud = this upstream). */
export function createIdentityVerifier(opts: {
  keys: KeySource;
  /** This upstream's own name (the `upstream` of its routes): headers for any other are refused. */
  audience: string;
  algorithms?: string[];
  clock?: Clock;
  clockSkewSec?: number;
}): (token: string) => Promise<IdentityClaims> {
  const clock = opts.clock ?? systemClock;
  if (!opts.audience) throw new Error('an identity verifier needs its own audience (the upstream name in the routes)');
  return async (token) => {
    if (typeof token !== 'string' || token.length === 0 || token.length > 16_384)
      throw new GatehouseError('UNAUTHENTICATED', { detail: 'identity header missing or oversized' });
    try {
      const { payload } = await jwtVerify(
        token,
        async (h: JWTHeaderParameters) => {
          if (typeof h.kid !== 'string') throw new GatehouseError('UNAUTHENTICATED', { detail: 'identity header without a string kid' });
          const k = await opts.keys.getKey(h.kid, h.alg);
          if (!k) throw new GatehouseError('UNAUTHENTICATED', { detail: `identity key ${h.kid} unknown` });
          return k;
        },
        {
          algorithms: opts.algorithms ?? ['ES256', 'EdDSA', 'RS256'],
          issuer: IDENTITY_ISSUER,
          audience: opts.audience,
          typ: IDENTITY_TYP,
          currentDate: new Date(clock.now()),
          clockTolerance: opts.clockSkewSec ?? 5,
          requiredClaims: ['exp', 'iat', 'sub'],
        },
      );
      return payload as unknown as IdentityClaims;
    } catch (err) {
      if (err instanceof GatehouseError) throw err;
      const detail = err instanceof joseErrors.JOSEError ? `${err.code}: ${err.message}` : String(err);
      throw new GatehouseError('UNAUTHENTICATED', { detail: `identity header rejected: ${detail}` });
    }
  };
}

/**
 * In `amr` of access tokens the built-in OpenID Provider issues to third-party clients
 * (AUTH_OIDC_CLIENTS): the app holds a grant, not the user's sign-in.
 */
export const OIDC_CLIENT_AMR = 'oidc_client';

/** Credential kinds derived from a delegated secret or grant (app tokens, API keys, third-party OIDC clients). */
export const DELEGATED_CREDENTIALS: readonly string[] = ['app', 'apikey', OIDC_CLIENT_AMR];

/**
 * Whether the caller authenticated with a delegated credential (app token, API key, a third-party
 * app's token from the built-in IdP). Such callers never manage credentials or sessions: a leaked
 * app token must not mint, list or end others.
 */
export function isDelegatedCredential(identity: Pick<Identity, 'auth_method' | 'amr'>): boolean {
  const amr = Array.isArray(identity.amr) ? identity.amr : [];
  return DELEGATED_CREDENTIALS.includes(identity.auth_method) || amr.some((m) => DELEGATED_CREDENTIALS.includes(m));
}
