/** Access-token claims, key sources, JWS verification and signatures (`@gatehouse/shared/jwt`): jose for keys, node:crypto for the signature itself. */
export * from './claims.js';
export * from './key-source.js';
export * from './jws.js';
export * from './verify-access-token.js';
export * from './signature.js';
