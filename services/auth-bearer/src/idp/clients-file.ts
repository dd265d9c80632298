import { z } from 'zod';
import { APIKEY_CLIENT_ID, CLI_CLIENT_ID, env, isLoopbackHost } from '@gatehouse/shared';

/** https anywhere, plain http only on loopback (development, native apps), or a native app's private-use scheme. */
const redirectUri = z.string().refine((v) => {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return false;
  }
  if (u.hash || u.username || u.password) return false;
  if (u.protocol === 'https:') return true;
  if (u.protocol === 'http:') return isLoopbackHost(u.hostname);
  // RFC 8252 §7.1: reverse-domain private-use schemes (com.example.app:/callback).
  return /^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(u.protocol);
}, 'expected an https URL, http on a loopback host, or a private-use scheme (com.example.app:/cb), without fragment or credentials');

const RESERVED = new Set([CLI_CLIENT_ID, APIKEY_CLIENT_ID]);

/**
 * One client of AUTH_OIDC_CLIENTS (or AUTH_OIDC_CLIENTS_FILE): the OIDC client metadata the
 * built-in provider supports, and nothing else (an unknown field is a typo, reported at start).
 */
const fileClient = z
  .object({
    client_id: z
      .string()
      .regex(/^[\w.:-]{1,128}$/, 'expected 1-128 letters, digits, _ . : -')
      .refine((v) => !RESERVED.has(v), 'is a built-in client id'),
    client_secret: z.string().min(32, 'must be at least 32 characters').optional(),
    client_name: z.string().max(128).optional(),
    application_type: z.enum(['web', 'native']).default('web'),
    redirect_uris: z.array(redirectUri).min(1),
    post_logout_redirect_uris: z.array(redirectUri).optional(),
    token_endpoint_auth_method: z.enum(['client_secret_basic', 'client_secret_post', 'none']).default('client_secret_basic'),
    grant_types: z
      .array(z.enum(['authorization_code', 'refresh_token']))
      .default(['authorization_code'])
      .refine((g) => g.includes('authorization_code'), 'must include authorization_code'),
    response_types: z.array(z.literal('code')).default(['code']),
    scope: z.string().optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const isPublic = c.token_endpoint_auth_method === 'none';
    if (isPublic && c.client_secret)
      ctx.addIssue({ code: 'custom', path: ['client_secret'], message: 'a public client (token_endpoint_auth_method none) has no secret' });
    if (!isPublic && !c.client_secret)
      ctx.addIssue({
        code: 'custom',
        path: ['client_secret'],
        message: 'required for a confidential client (or set token_endpoint_auth_method none)',
      });
  });

export type FileClient = z.infer<typeof fileClient>;

/** AUTH_OIDC_CLIENTS: a JSON array of client metadata; every problem (bad JSON, bad field, duplicate id) reported at start. */
export const fileClientsSchema = env.jsonArray(fileClient).superRefine((clients, ctx) => {
  const seen = new Set<string>();
  clients.forEach((c, i) => {
    if (seen.has(c.client_id)) ctx.addIssue({ code: 'custom', path: [i, 'client_id'], message: `duplicate client_id ${c.client_id}` });
    seen.add(c.client_id);
  });
});
