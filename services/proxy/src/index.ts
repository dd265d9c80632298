export { createApp, type ProxyOverrides } from './app.js';
export { configSchema, loadConfig, DEFAULT_ROUTES_FILE, type Config } from './config.js';
export type { Authenticator, AuthInput } from './auth/authenticator.js';
export type { AuthPrincipal } from './domain/principal.js';
export { parseRoutes, loadRoutesFile, type Route } from './routes/routes-file.js';
export { grpcOwners, type GrpcOwner } from './grpc/grpc-owners.js';
