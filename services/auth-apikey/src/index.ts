export { createApp, type AppOverrides, type AuthApiKeyApp } from './app.js';
export { CALLBACK_PATH, builtinIssuer, configSchema, loadConfig, type Config } from './config.js';
