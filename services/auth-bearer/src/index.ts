export { createApp, type AuthBearerOverrides } from './app.js';
export { configSchema, loadConfig, longestTokenLifetimeMs, type Config, type ServiceAccount, type ResourceClient } from './config.js';
export { KeyRing, type KeyRingOptions, type SigningAlg } from './keys/key-ring.js';
export { grpcUserDirectory, type DirectoryUser, type UserDirectory, type UserKey } from './users/user-directory.js';
export { REVOKING_REASONS } from './events/subscriber.js';
