export { createApp, type AppOverrides, type AuthApp } from './app.js';
export { configSchema, loadConfig, type Config } from './config.js';
