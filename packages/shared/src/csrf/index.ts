/** Cross-site request forgery: the allowed origins and the one check (`@gatehouse/shared`). */
export * from './origin-policy.js';
export * from './csrf-check.js';
