export { createApp, type AppOverrides, type AuthApiKeyApp } from './app.js';
export { configSchema, loadConfig, type Config } from './config.js';
