import * as oidc from 'openid-client';
import { GatehouseError, externalIdOf, type ExternalIdentityClaims, type ProviderConfig } from '@gatehouse/shared';

type Claims = Record<string, unknown>;

/** What a login needs of the person's claims, plus the IdP's own ids of the session (back-channel logout). */
export interface ProviderIdentity {
  claims: ExternalIdentityClaims;
  /** The IdP's `sub` and `sid` (openid), for back-channel logout; oauth2 providers have neither. */
  sub: string | undefined;
  sid: string | undefined;
}

const WANTED = ['email', 'email_verified', 'name'];
const MAX_PROFILE_BYTES = 64 * 1024;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The oauth2 profile endpoint (no OIDC userinfo contract: any JSON object, e.g. GitHub's /user). */
async function fetchProfile(config: oidc.Configuration, p: ProviderConfig, accessToken: string): Promise<Claims> {
  const res = await oidc.fetchProtectedResource(
    config,
    accessToken,
    new URL(p.profileUrl!),
    'GET',
    undefined,
    new Headers({ accept: 'application/json' }),
  );
  const text = await res.text();
  if (!res.ok || text.length > MAX_PROFILE_BYTES)
    throw new GatehouseError('INVALID_CREDENTIALS', { detail: `profile answered ${res.status}` });
  const body = JSON.parse(text) as unknown;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new GatehouseError('INVALID_CREDENTIALS', { detail: 'profile is not an object' });
  return body as Claims;
}

/**
 * The person's claims: the ID token's first; where it lacks the identifier, e-mail or name (many
 * IdPs put them only in userinfo), the userinfo endpoint's, for the same `sub`. oauth2 providers:
 * the profile URL's JSON. `email_verified` counts only when the provider says true.
 */
export async function providerIdentity(
  config: oidc.Configuration,
  p: ProviderConfig,
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
): Promise<ProviderIdentity> {
  let claims: Claims;
  let sub: string | undefined;
  let sid: string | undefined;
  if (p.driver === 'openid') {
    const id = tokens.claims();
    if (!id) throw new GatehouseError('INVALID_CREDENTIALS', { detail: 'no ID token' });
    sub = id.sub;
    sid = str(id.sid);
    claims = { ...id };
    const lacking = [p.identifierKey, ...WANTED].some((k) => claims[k] === undefined);
    if (lacking && config.serverMetadata().userinfo_endpoint) {
      const info = await oidc.fetchUserInfo(config, tokens.access_token, id.sub);
      claims = { ...info, ...id };
    }
  } else {
    claims = await fetchProfile(config, p, tokens.access_token);
  }
  const externalId = externalIdOf(claims, p.identifierKey);
  if (!externalId) throw new GatehouseError('INVALID_CREDENTIALS', { detail: `${p.name} gave no "${p.identifierKey}" claim` });
  return {
    sub,
    sid,
    claims: {
      provider: p.name,
      external_id: externalId,
      email: str(claims.email) ?? '',
      email_verified: claims.email_verified === true || claims.email_verified === 'true',
      name: str(claims.name) ?? '',
      allow_registration: p.allowPublicRegistration,
      default_role: p.defaultRoleId ?? '',
    },
  };
}
