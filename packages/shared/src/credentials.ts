/**
 * Credential formats other services must recognise without asking their owner.
 * App tokens: `ghapp_<16 hex id>_<secret>` (secret ≥ 128 bits, base64url). The proxy routes a Basic
 * password that starts with the prefix to auth-app, anything else to auth-basic.
 */
export const APP_TOKEN_PREFIX = 'ghapp_';
export const APP_TOKEN_PATTERN = /^ghapp_([0-9a-f]{16})_([A-Za-z0-9_-]{22,128})$/;

/** API keys (auth-apikey): `ghkey_<16 hex id>_<secret>`. */
export const API_KEY_PREFIX = 'ghkey_';

export const ADMIN_ROLE = 'admin';
