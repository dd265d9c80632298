export { createApp, type AuthBearerOverrides } from './app.js';
export { configSchema, loadConfig, longestTokenLifetimeMs, type Config, type ServiceAccount, type ResourceClient } from './config.js';
export { KeyRing, type KeyRingOptions, type SigningAlg } from './keys/key-ring.js';
export { REVOKING_REASONS } from './events/subscriber.js';
export { SsoStateSealer, type SsoState } from './sso/sso-state.js';
