/** The user directory port and the rules on who may own a credential (`@gatehouse/shared/users`). */
export * from './user-directory.js';
export * from './user-policy.js';
