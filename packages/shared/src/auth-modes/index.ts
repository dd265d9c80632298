/** Login/refresh answer modes, refresh-token lookup and cookie settings (`@gatehouse/shared/auth-modes`): no framework. */
export * from './auth-mode.js';
export * from './cookie-settings.js';
export * from './presented-refresh-token.js';
export * from './auth-answer.js';
