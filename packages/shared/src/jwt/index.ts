/** Access-token claims, key sources, JWS verification (`@gatehouse/shared/jwt`): jose only. */
export * from './claims.js';
export * from './key-source.js';
export * from './jws.js';
export * from './verify-access-token.js';
export * from './signature.js';
