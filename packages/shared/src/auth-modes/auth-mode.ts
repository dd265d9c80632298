import { GatehouseError } from '../errors.js';

/**
 * How a login or refresh answers (Directus's `mode`): `json` puts both tokens in the body,
 * `cookie` puts the refresh token in an httpOnly cookie, `session` answers with the session
 * cookie only.
 */
export type AuthMode = 'json' | 'cookie' | 'session';

export const AUTH_MODES: readonly AuthMode[] = ['json', 'cookie', 'session'];

/** The `mode` of a request: absent (or null) is `json`; anything else unknown is INVALID_PAYLOAD. */
export function parseAuthMode(input: unknown): AuthMode {
  if (input === undefined || input === null) return 'json';
  if (typeof input === 'string' && (AUTH_MODES as readonly string[]).includes(input)) return input as AuthMode;
  throw new GatehouseError('INVALID_PAYLOAD', { message: '"mode" must be json, cookie or session.', extensions: { field: 'mode' } });
}
