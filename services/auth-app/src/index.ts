export { createApp, type AuthAppOverrides, type AuthApp } from './app.js';
export { configSchema, loadConfig, type Config } from './config.js';
