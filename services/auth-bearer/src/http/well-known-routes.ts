import { Router } from 'express';
import type { KeyRing } from '../keys/key-ring.js';

/** The issuer's public keys and metadata (forwarded by the proxy under PUBLIC_URL). */
export function wellKnownRoutes(deps: { keys: KeyRing; issuer: string; alg: string }): Router {
  const r = Router();
  r.get('/.well-known/jwks.json', async (_req, res) => {
    const jwks = await deps.keys.jwks();
    // Short cache: verifiers also refetch on the keys-rotated event.
    res.setHeader('Cache-Control', 'public, max-age=60');
    res.json(jwks);
  });
  r.get('/.well-known/openid-configuration', (_req, res) => {
    const base = deps.issuer;
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json({
      issuer: base,
      jwks_uri: `${base}/.well-known/jwks.json`,
      revocation_endpoint: `${base}/oauth/revoke`,
      introspection_endpoint: `${base}/oauth/introspect`,
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      token_endpoint_auth_signing_alg_values_supported: [deps.alg],
      id_token_signing_alg_values_supported: [deps.alg],
      subject_types_supported: ['public'],
      response_types_supported: ['none'],
      claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'client_id', 'scope', 'sid', 'amr', 'roles', 'groups', 'email', 'name', 'act'],
    });
  });
  return r;
}
