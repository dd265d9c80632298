export { createApp, type AuthApikeyOverrides, type AuthApikeyApp } from './app.js';
export { configSchema, loadConfig, type Config } from './config.js';
