import { Router } from 'express';
import type { KeyRing } from '../keys/key-ring.js';

/** Paths of the endpoints the discovery document names; the proxy routes each of them here. */
export const WELL_KNOWN_PATHS = {
  jwks: '/.well-known/jwks.json',
  revocation: '/oauth/revoke',
  introspection: '/oauth/introspect',
} as const;

const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'];

/**
 * RFC 8414 metadata for what this service really serves under PUBLIC_URL (through the proxy): the
 * issuer, its keys and the RFC 7009/7662 endpoints. No authorization or token endpoint and no ID
 * tokens exist, so none is advertised (an OIDC client must not be led to endpoints that 404).
 */
export function discoveryDocument(issuer: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: `${issuer}${WELL_KNOWN_PATHS.jwks}`,
    revocation_endpoint: `${issuer}${WELL_KNOWN_PATHS.revocation}`,
    revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    introspection_endpoint: `${issuer}${WELL_KNOWN_PATHS.introspection}`,
    introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    // RFC 8414 §2 makes this member required; no authorization endpoint means no response type.
    response_types_supported: [],
    claims_supported: [
      'iss',
      'sub',
      'aud',
      'exp',
      'iat',
      'nbf',
      'jti',
      'client_id',
      'scope',
      'sid',
      'amr',
      'roles',
      'groups',
      'email',
      'name',
      'act',
    ],
  };
}

/** The issuer's public keys and metadata (forwarded by the proxy under PUBLIC_URL). */
export function wellKnownRoutes(deps: { keys: KeyRing; issuer: string }): Router {
  const r = Router();
  r.get(WELL_KNOWN_PATHS.jwks, async (_req, res) => {
    const jwks = await deps.keys.jwks();
    // Short cache: verifiers also refetch on the keys-rotated event.
    res.setHeader('Cache-Control', 'public, max-age=60');
    res.json(jwks);
  });
  r.get('/.well-known/openid-configuration', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(discoveryDocument(deps.issuer));
  });
  return r;
}
