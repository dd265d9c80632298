export { startAllInOne, type RunningRuntime } from './runtime/all-in-one.js';
export { resolveRunSet } from './runtime/run-set.js';
export { withDerivedEndpoints, DEFAULT_ADDRS } from './runtime/endpoints.js';
export { parseCommand } from './cli.js';
export { CONFIG_SCHEMAS, SERVICES } from './services.js';
export { storedAccessToken, currentLogin } from './login/access-token.js';
export { readStoredLogin, type StoredLogin } from './login/stored-login.js';
